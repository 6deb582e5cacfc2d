// The racelab command line.
import { Command, InvalidArgumentError } from 'commander';

function int(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return n;
  };
}

const program = new Command();
program.name('racelab').description('A miniature Kubernetes control plane for reproducing controller races on demand');

program
  .command('serve')
  .description('run the in-memory API server')
  .option('--port <port>', 'port to listen on (0: any free port)', int('--port'), 6443)
  .option('--host <host>', 'address to bind', '127.0.0.1')
  .option('--kubeconfig <file>', 'write a kubeconfig for kubectl and client-node to this file')
  .option('--watch-history <n>', 'watch events kept; older resourceVersions get 410 Expired', int('--watch-history'))
  .action(async (o: { port: number; host: string; kubeconfig?: string; watchHistory?: number }) => {
    const { serve } = await import('./serve.ts');
    await serve(o);
  });

await program.parseAsync(process.argv);
