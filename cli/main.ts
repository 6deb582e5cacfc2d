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
  .option('--only <names>', 'comma-separated: kwok, scheduler, replicaset, deployment, job, endpoint, endpointslice, serviceaccount, clusterapi, devicetainteviction, capsule')
  .option('--nodes <n>', 'simulated nodes the kwok agent runs', '2')
  .action(async (o: { kubeconfig?: string; server?: string; variant: string; only?: string; nodes: string }) => {
    if (!o.kubeconfig && !o.server) throw new InvalidArgumentError('give --kubeconfig FILE or --server URL');
    const { parseNodes, parseOnly } = await import('./controllers.ts');
    const { runControllers } = await import('./controllersprocess.ts');
    await runControllers({ kubeconfig: o.kubeconfig, server: o.server, fixed: variantFixed(o.variant), only: parseOnly(o.only), nodes: parseNodes(o.nodes) });
  });

program
  .command('up')
  .description('the API server and every controller in one process, with a demo world')
  .option('--port <port>', 'port to listen on (0: any free port)', int('--port'), 6443)
  .option('--host <host>', 'address to bind', '127.0.0.1')
  .option('--kubeconfig <file>', 'write a kubeconfig to this file')
  .option('--empty', 'do not seed the demo world')
  .option('--variant <variant>', 'fixed or buggy controllers', 'fixed')
  .option('--only <names>', 'comma-separated: kwok, scheduler, replicaset, deployment, job, endpoint, endpointslice, serviceaccount, clusterapi, devicetainteviction, capsule')
  .option('--nodes <n>', 'simulated nodes (node-1 … node-N)', '2')
  .action(async (o: { port: number; host: string; kubeconfig?: string; empty?: boolean; variant: string; only?: string; nodes: string }) => {
    const { parseNodes, parseOnly } = await import('./controllers.ts');
    const { up } = await import('./up.ts');
    await up({ port: o.port, host: o.host, kubeconfig: o.kubeconfig, empty: o.empty, fixed: variantFixed(o.variant), only: parseOnly(o.only), nodes: parseNodes(o.nodes) });
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

scenario
  .command('replay')
  .description('replay a schedule file written by racelab explore --save')
  .argument('<file>', 'a schedule file (JSON)')
  .option('--json', 'print machine-readable results')
  .option('--report <dir>', 'write the HTML timeline of the replay into this folder')
  .action(async (file: string, o: { json?: boolean; report?: string }) => {
    const { replayCommand } = await import('./explore.ts');
    process.exitCode = await replayCommand(file, o);
  });

function positive(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

program
  .command('explore')
  .description('explore schedules of a scenario (or all) without its hints: find the race, replay and shrink it')
  .argument('<name>', 'a scenario name, or all')
  .option('--variant <variant>', 'buggy, fixed or both', 'both')
  .option('--strategy <strategy>', 'random, pct, faults or all', 'all')
  .option('--schedules <n>', 'schedules per (scenario, variant, strategy)', positive('--schedules'), 100)
  .option('--depth <d>', "PCT's bug depth", positive('--depth'), 2)
  .option('--seed <s>', 'the first seed (schedule i runs seed S+i-1)', int('--seed'), 1)
  .option('--json', 'print one JSON document {"results": [...]} on stdout')
  .option('--report <dir>', 'write the HTML timeline of each minimised failing schedule into this folder')
  .option('--save <dir>', 'write every failing schedule and its minimised form into this folder')
  .action(async (name: string, o: { variant: string; strategy: string; schedules: number; depth: number; seed: number; json?: boolean; report?: string; save?: string }) => {
    if (!['buggy', 'fixed', 'both'].includes(o.variant)) throw new InvalidArgumentError('--variant must be buggy, fixed or both');
    if (!['random', 'pct', 'faults', 'all'].includes(o.strategy)) throw new InvalidArgumentError('--strategy must be random, pct, faults or all');
    const { explore } = await import('./explore.ts');
    process.exitCode = await explore(name, { ...o, variant: o.variant as 'buggy' | 'fixed' | 'both', strategy: o.strategy as 'random' | 'pct' | 'faults' | 'all' });
  });

await program.parseAsync(process.argv);
