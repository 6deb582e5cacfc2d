// The racelab command line.
import { Command, InvalidArgumentError } from 'commander';

function int(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return n;
  };
}

/** The access flags of serve and up (cli/access.ts). */
function accessOptions(cmd: Command): Command {
  return cmd
    .option('--token <token>', 'require this bearer token on every request (401 otherwise); written into the kubeconfig')
    .option('--token-file <file>', 'read the bearer token from this file')
    .option('--generate-token', 'with --token-file: write a random token there when the file does not exist')
    .option('--tls', 'serve HTTPS with a self-signed certificate; its CA goes into the kubeconfig')
    .option('--cors-allowed-origins <regexps>', 'comma-separated regular expressions of the browser Origins accepted (others get 403)')
    .option('--allowed-hosts <hosts>', 'comma-separated Host names accepted besides loopback and --host (* for any)')
    .option('--insecure-allow-anonymous', 'serve a non-loopback --host without a token');
}

const program = new Command();
program.name('racelab').description('A miniature Kubernetes control plane for reproducing controller races on demand');

accessOptions(program.command('serve'))
  .description('run the in-memory API server')
  .option('--port <port>', 'port to listen on (0: any free port)', int('--port'), 6443)
  .option('--host <host>', 'address to bind', '127.0.0.1')
  .option('--kubeconfig <file>', 'write a kubeconfig for kubectl and client-node to this file')
  .option('--watch-history <n>', 'watch events kept; older resourceVersions get 410 Expired', int('--watch-history'))
  .option('--interleave-history <n>', 'entries /racelab/v1/history keeps (default 200000); older ones are dropped', int('--interleave-history'))
  .action(async (o: import('./serve.ts').ServeOptions) => {
    const { serve } = await import('./serve.ts');
    await serve(o);
  });

function variantFixed(v: string): boolean {
  if (v !== 'fixed' && v !== 'buggy') throw new InvalidArgumentError('--variant must be fixed or buggy');
  return v === 'fixed';
}

program
  .command('controllers')
  .description('run the controller manager (every controller) against a racelab server')
  .option('--kubeconfig <file>', 'kubeconfig of the server')
  .option('--server <url>', 'the server URL, instead of a kubeconfig')
  .option('--variant <variant>', 'fixed or buggy', 'fixed')
  .option('--only <names>', 'comma-separated: clusterapi, devicetainteviction, capsule')
  .action(async (o: { kubeconfig?: string; server?: string; variant: string; only?: string }) => {
    if (!o.kubeconfig && !o.server) throw new InvalidArgumentError('give --kubeconfig FILE or --server URL');
    const { parseOnly } = await import('./controllers.ts');
    const { runControllers } = await import('./controllersprocess.ts');
    await runControllers({ kubeconfig: o.kubeconfig, server: o.server, fixed: variantFixed(o.variant), only: parseOnly(o.only) });
  });

accessOptions(program.command('up'))
  .description('the API server and every controller in one process, with a demo world')
  .option('--port <port>', 'port to listen on (0: any free port)', int('--port'), 6443)
  .option('--host <host>', 'address to bind', '127.0.0.1')
  .option('--kubeconfig <file>', 'write a kubeconfig to this file')
  .option('--empty', 'do not seed the demo world')
  .option('--variant <variant>', 'fixed or buggy controllers', 'fixed')
  .option('--only <names>', 'comma-separated: clusterapi, devicetainteviction, capsule')
  .action(async (o: Omit<import('./up.ts').UpOptions, 'fixed' | 'only'> & { variant: string; only?: string }) => {
    const { parseOnly } = await import('./controllers.ts');
    const { up } = await import('./up.ts');
    const { variant: _variant, only, ...rest } = o;
    await up({ ...rest, fixed: variantFixed(o.variant), only: parseOnly(only) });
  });

program
  .command('kubeconfig')
  .description('print a kubeconfig for a racelab server')
  .requiredOption('--server <url>', 'the server URL, e.g. http://127.0.0.1:6443')
  .option('--user <name>', 'the user (and bearer token)', 'admin')
  .action(async (o: { server: string; user: string }) => {
    const { kubeconfigYaml } = await import('../clients/kube/kubeconfig.ts');
    process.stdout.write(kubeconfigYaml(o.server, o.user));
  });

const scenario = program.command('scenario').description('reproduce documented controller races');
scenario
  .command('list')
  .description('list the scenarios')
  .action(async () => {
    const { listScenarios } = await import('./scenario.ts');
    listScenarios();
  });
scenario
  .command('run')
  .description('run a scenario (or all) for the buggy and/or fixed variant')
  .argument('<name>', 'a scenario name, or all')
  .option('--variant <variant>', 'buggy, fixed or both', 'both')
  .option('--seeds <n>', 'run seeds 1..n', int('--seeds'))
  .option('--seed <s>', 'run one seed', int('--seed'))
  .option('--json', 'print machine-readable results')
  .option('--report <dir>', 'write an HTML timeline per run into this folder')
  .action(async (name: string, o: { variant: string; seeds?: number; seed?: number; json?: boolean; report?: string }) => {
    if (!['buggy', 'fixed', 'both'].includes(o.variant)) throw new InvalidArgumentError('--variant must be buggy, fixed or both');
    if (o.seeds !== undefined && o.seed !== undefined) throw new InvalidArgumentError('--seeds and --seed exclude each other');
    const { runScenarios } = await import('./scenario.ts');
    process.exitCode = await runScenarios(name, { ...o, variant: o.variant as 'buggy' | 'fixed' | 'both' });
  });

await program.parseAsync(process.argv);
