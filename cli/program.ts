// The racelab command line. runCli() is the whole command, errors included (cli/errors.ts): the process
// entry point (cli/main.ts) and the CLI tests both call it.
import { Command, Option } from 'commander';
import { controllerNames } from './controllernames.ts';
import { CliError, exitCodes, reportError } from './errors.ts';
import { atLeast, listOf, oneOf, port, url } from './options.ts';
import { parseStorageSpec, type StorageSpec } from './storagespec.ts';

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

const processIo: CliIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

/** The command tree. `done(code)` records a command's exit code (0 unless it says otherwise). */
function buildProgram(io: CliIo, done: (code: number) => void): Command {
  const program = new Command();
  program
    .name('racelab')
    .description('A miniature Kubernetes control plane for reproducing controller races on demand')
    .option('-V, --version', 'print the version and the git commit')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showSuggestionAfterError(true);
  const portOption = () => new Option('--port <port>', 'port to listen on, 0 to 65535 (0: any free port)').argParser(port).default(6443);
  const hostOption = () => new Option('--host <host>', 'address to bind (0.0.0.0: every interface)').default('127.0.0.1');
  const onlyOption = () => new Option('--only <names>', `comma-separated subset of: ${controllerNames.join(', ')}`).argParser(listOf(controllerNames));
  const nodesOption = (what: string) => new Option('--nodes <n>', `${what}, 0 to 250 (node-1 … node-N)`).argParser(atMost(250, atLeast(0, '--nodes'), '--nodes')).default(2);
  const gcThresholdOption = () => new Option('--terminated-pod-gc-threshold <n>', 'terminated pods podgc keeps before deleting the oldest (0: keep all)').argParser(atLeast(0, '--terminated-pod-gc-threshold')).default(12500);
  const fixedOrBuggy = (what: string) => new Option('--variant <variant>', `${what}: fixed or buggy`).argParser(oneOf(['fixed', 'buggy'] as const)).default('fixed');

  /** The access flags of serve and up (cli/access.ts). */
  const accessOptions = (cmd: Command): Command =>
    cmd
      .option('--token <token>', 'require this bearer token on every request (401 otherwise); written into the kubeconfig')
      .option('--token-file <file>', 'read the bearer token from this file')
      .option('--generate-token', 'with --token-file: write a random token there when the file does not exist')
      .option('--tls', 'serve HTTPS with a self-signed certificate; its CA goes into the kubeconfig')
      .option('--cors-allowed-origins <regexps>', 'comma-separated regular expressions of the browser Origins accepted (others get 403)')
      .option('--allowed-hosts <hosts>', 'comma-separated Host names accepted besides loopback and --host (* for any)')
      .option('--insecure-allow-anonymous', 'serve a non-loopback --host without a token');

  accessOptions(program.command('serve'))
    .description('run the API server (in memory, or on etcd behind its own watch cache)')
    .addOption(portOption())
    .addOption(hostOption())
    .option('--kubeconfig <file>', 'write a kubeconfig for kubectl and client-node to this file')
    .option('--watch-history <n>', 'watch events kept (at least 1); older resourceVersions get 410 Expired', atLeast(1, '--watch-history'))
    .option('--storage <spec>', 'memory, or etcd=URL[,URL...] (several servers may share one etcd)', parseStorageSpec, { kind: 'memory' } as StorageSpec)
    .option('--etcd-prefix <prefix>', "the key prefix in etcd (as kube-apiserver's flag)", '/registry')
    .option('--interleave-history <n>', 'entries /racelab/v1/history keeps (default 200000, at least 1); older ones are dropped', atLeast(1, '--interleave-history'))
    .action(async (o: import('./serve.ts').ServeOptions & { storage: StorageSpec; etcdPrefix: string }) => {
      const { serve } = await import('./serve.ts');
      await serve(o);
    });

  program
    .command('controllers')
    .description('run the controller manager (every controller) against a racelab server')
    .option('--kubeconfig <file>', 'kubeconfig of the server')
    .option('--server <url>', 'the server URL, instead of a kubeconfig', url)
    .addOption(fixedOrBuggy('controller variant'))
    .addOption(onlyOption())
    .addOption(nodesOption('simulated nodes the kwok agent runs'))
    .addOption(gcThresholdOption())
    .action(async (o: { kubeconfig?: string; server?: string; variant: 'fixed' | 'buggy'; only?: (typeof controllerNames)[number][]; nodes: number; terminatedPodGcThreshold: number }) => {
      if (!o.kubeconfig && !o.server) throw new CliError('racelab controllers needs a server: give --kubeconfig FILE or --server URL', 'racelab controllers --server http://127.0.0.1:6443');
      const { runControllers } = await import('./controllersprocess.ts');
      await runControllers({ kubeconfig: o.kubeconfig, server: o.server, fixed: o.variant === 'fixed', only: o.only, nodes: o.nodes, terminatedPodGCThreshold: o.terminatedPodGcThreshold });
    });

  accessOptions(program.command('up'))
    .description('the API server and every controller in one process, with a demo world')
    .addOption(portOption())
    .addOption(hostOption())
    .option('--kubeconfig <file>', 'write a kubeconfig to this file')
    .option('--empty', 'do not seed the demo world')
    .addOption(fixedOrBuggy('controller variant'))
    .addOption(onlyOption())
    .addOption(nodesOption('simulated nodes'))
    .addOption(gcThresholdOption())
    .action(async (o: Omit<import('./up.ts').UpOptions, 'fixed' | 'only' | 'terminatedPodGCThreshold'> & { variant: 'fixed' | 'buggy'; only?: (typeof controllerNames)[number][]; terminatedPodGcThreshold: number }) => {
      const { up } = await import('./up.ts');
      const { variant, only, terminatedPodGcThreshold, ...rest } = o;
      await up({ ...rest, fixed: variant === 'fixed', only, terminatedPodGCThreshold: terminatedPodGcThreshold });
    });

  program
    .command('kubeconfig')
    .description('print a kubeconfig for a racelab server')
    .requiredOption('--server <url>', 'the server URL, e.g. http://127.0.0.1:6443', url)
    .option('--user <name>', 'the user (and bearer token)', 'admin')
    .action(async (o: { server: string; user: string }) => {
      const { kubeconfigYaml } = await import('../clients/kube/kubeconfig.ts');
      io.out(kubeconfigYaml(o.server, o.user));
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
    .argument('<name>', 'a scenario name (racelab scenario list), or all')
    .addOption(new Option('--variant <variant>', 'buggy, fixed or both').argParser(oneOf(['buggy', 'fixed', 'both'] as const)).default('both'))
    .addOption(new Option('--seeds <n>', 'run seeds 1..n (n at least 1)').argParser(atLeast(1, '--seeds')).conflicts('seed'))
    .addOption(new Option('--seed <s>', 'run this one seed (0 or more)').argParser(atLeast(0, '--seed')))
    .option('--json', 'print machine-readable results on stdout')
    .option('--quiet', 'print only the results table, not the races')
    .option('--report <dir>', 'write an HTML timeline per run into this folder')
    .action(async (name: string, o: { variant: 'buggy' | 'fixed' | 'both'; seeds?: number; seed?: number; json?: boolean; quiet?: boolean; report?: string }) => {
      const { runScenarios } = await import('./scenario.ts');
      done(await runScenarios(name, o));
    });

  scenario
    .command('replay')
    .description('replay a schedule file written by racelab explore --save: the same history and verdict')
    .argument('<file>', 'a schedule file (JSON)')
    .option('--json', 'print machine-readable results on stdout')
    .option('--report <dir>', 'write the HTML timeline of the replay into this folder')
    .action(async (file: string, o: { json?: boolean; report?: string }) => {
      const { replayCommand } = await import('./explore.ts');
      done(await replayCommand(file, o));
    });
  scenario
    .command('mutants')
    .description("explore each case's mutants (broken fixes: must be killed) and equivalent fixes (must hold)")
    .argument('[name]', 'a scenario name, or all', 'all')
    .option('--schedules <n>', 'schedules per strategy (at least 1)', atLeast(1, '--schedules'), 200)
    .option('--seed <s>', 'the first seed (0 or more)', atLeast(0, '--seed'), 1)
    .option('--depth <d>', "PCT's bug depth (at least 1)", atLeast(1, '--depth'), 2)
    .option('--json', 'print one JSON document {"results": [...]} on stdout')
    .action(async (name: string, o: { schedules: number; seed: number; depth: number; json?: boolean }) => {
      const { mutantsCommand } = await import('./mutants.ts');
      done(await mutantsCommand(name, o));
    });

  program
    .command('explore')
    .description('explore schedules of a scenario (or all) without its hints: find the race, replay and shrink it; explore merge FILES... merges the --json of shards')
    .argument('<name>', 'a scenario name (racelab scenario list), all, or merge')
    .argument('[files...]', 'with merge: the --json outputs of the shards of one campaign')
    .addOption(new Option('--variant <variant>', 'buggy, fixed or both').argParser(oneOf(['buggy', 'fixed', 'both'] as const)).default('both'))
    .addOption(new Option('--strategy <strategy>', 'random, pct, faults or all').argParser(oneOf(['random', 'pct', 'faults', 'all'] as const)).default('all'))
    .option('--schedules <n>', 'schedules per (scenario, variant, strategy), at least 1', atLeast(1, '--schedules'), 100)
    .option('--depth <d>', "PCT's bug depth (at least 1)", atLeast(1, '--depth'), 2)
    .option('--seed <s>', 'the first seed: schedule i runs seed S+i-1 (0 or more)', atLeast(0, '--seed'), 1)
    .option('--json', 'print one JSON document {"results": [...]} on stdout')
    .option('--report <dir>', 'write the HTML timeline of each minimised failing schedule into this folder')
    .option('--save <dir>', 'write every failing schedule and its minimised form into this folder')
    .option('--shard <i/n>', 'run only the i-th (0-based) of n disjoint slices of the schedules, by seed', shardSpec)
    .action(async (name: string, files: string[], o: { variant: 'buggy' | 'fixed' | 'both'; strategy: 'random' | 'pct' | 'faults' | 'all'; schedules: number; depth: number; seed: number; json?: boolean; report?: string; save?: string; shard?: { index: number; count: number } }) => {
      const { explore, mergeCommand } = await import('./explore.ts');
      if (name === 'merge') {
        if (files.length === 0) throw new CliError('explore merge needs the JSON files of the shards', 'racelab explore merge shard-0.json shard-1.json');
        done(await mergeCommand(files, o));
        return;
      }
      if (files.length > 0) throw new CliError(`unexpected arguments after the scenario name: ${files.join(' ')}`, 'racelab explore <name|all> [options]');
      done(await explore(name, o));
    });

  const report = program.command('report').description('pages over the HTML reports of scenario run --report');
  report
    .command('compare')
    .description('lay two run reports side by side (e.g. the buggy and the fixed run of one seed)')
    .argument('<a>', 'a report (.html) written by scenario run --report')
    .argument('<b>', 'another one')
    .option('--out <file>', 'where to write the comparison', 'compare.html')
    .action(async (a: string, b: string, o: { out: string }) => {
      const { compareReports } = await import('./report.ts');
      io.out(`${compareReports(a, b, o.out)}\n`);
    });
  report
    .command('index')
    .description('write index.html (and buggy/fixed comparisons) for a folder of reports')
    .argument('<dir>', 'the folder given to scenario run --report')
    .action(async (dir: string) => {
      const { indexReports } = await import('./report.ts');
      io.out(`${indexReports(dir)}\n`);
    });
  return program;
}

/** A parsed number that must also be at most `max`. */
function atMost(max: number, parse: (v: string) => number, what: string): (v: string) => number {
  return (v) => {
    const n = parse(v);
    if (n > max) throw new CliError(`${what} must be at most ${max}, got ${n}`, `${what} ${max}`);
    return n;
  };
}

/** `--shard I/N`: 0 ≤ I < N. */
function shardSpec(v: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(v);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index >= count) throw new CliError(`--shard must be I/N with 0 <= I < N, got ${JSON.stringify(v)}`, '--shard 0/4 runs the first of four slices');
  return { index, count };
}

/** The command tree alone (for documentation checks): nothing runs. */
export function commandTree(): Command {
  return buildProgram({ out: () => undefined, err: () => undefined }, () => undefined);
}

/** The words of the command being run (`racelab scenario run`), for the hint after a usage error. */
function commandPath(program: Command, argv: readonly string[]): string {
  const path = ['racelab'];
  let cmd: Command | undefined = program;
  for (const word of argv) {
    if (word.startsWith('-')) break;
    const sub: Command | undefined = cmd?.commands.find((c) => c.name() === word);
    if (!sub) break;
    path.push(word);
    cmd = sub;
  }
  return path.join(' ');
}

/** Runs the command for these arguments (without node and the script) and returns its exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-V') {
    const { versionText } = await import('./version.ts');
    io.out(`${versionText()}\n`);
    return exitCodes.ok;
  }
  let code: number = exitCodes.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    return reportError(e, io, commandPath(program, argv));
  }
}
