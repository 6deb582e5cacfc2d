// A process model for controllers: each run of a process is a fresh GoRuntime (concurrency.ts) whose
// main goroutine runs the spec's main(ctx) (typically a Manager's start). As in Go, an uncaught panic in
// any goroutine or a fatal runtime error ("concurrent map writes") ends the whole process. The Supervisor
// restarts it like the kubelet restarts a container: it counts restarts (restartCount) and waits between
// them with the kubelet's crash-loop backoff on the injected Clock (the first restart at once, then 10 s,
// 20 s, ... capped at 5 min; reset once a run lasted backoffResetMs).
//
// A restart is always a Clock timer (0 ms for the first), so on a FakeClock it happens when the clock
// fires its due timers. A dead process runs no more code; the resources it held are let go through its
// root context's abort signal (see manager.ts). A process whose main returns has completed (exit code
// 0); its context is then cancelled so that whatever it left running winds down, as Go's exit would.
import type { Clock, TimerHandle } from '../../apiserver/machinery/clock.ts';
import { quietLogger, type Logger } from '../../apiserver/machinery/log.ts';
import { GoRuntime, withCancel, type Context, type ExitReport } from './concurrency.ts';
import type { Manager } from './manager.ts';

/** kubelet's container restart backoff (pkg/kubelet/kubelet.go: backOffPeriod, MaxContainerBackOff). */
export const defaultRestartBackoffInitialMs = 10_000;
export const defaultRestartBackoffMaxMs = 300_000;
/** A run at least this long resets the backoff (the kubelet forgets a backoff after twice the cap). */
export const defaultRestartBackoffResetMs = 600_000;

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export interface ProcessSpec {
  name: string;
  /** The process's main goroutine. Returning ends the process with exit code 0. */
  main(ctx: Context, runtime: GoRuntime): Promise<void> | void;
  /** Quiescence of the running process (e.g. its manager's idle()). */
  idle?(): boolean;
}

export interface ProcessExit {
  /** Which run ended: 0 for the first, then the restartCount it ran with. */
  run: number;
  reason: 'Completed' | 'Error';
  exitCode: number;
  /** Why it crashed, as the Go runtime prints it. */
  report: ExitReport | undefined;
  startedAtMs: number;
  finishedAtMs: number;
}

export interface SupervisorOptions {
  spec: ProcessSpec;
  clock: Clock;
  restartPolicy?: RestartPolicy;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  backoffResetMs?: number;
  logger?: Logger;
  /** Called after each exit, before any restart is scheduled. */
  onExit?(exit: ProcessExit): void;
}

/** Why a process was killed from outside (SIGKILL): not a crash of its own. */
export class KilledError extends Error {
  override readonly name = 'KilledError';
}

/** Whether an exit was a kill (Supervisor.kill), not a crash of the process's own making. */
export function isKilled(exit: ProcessExit): boolean {
  return exit.report?.error instanceof KilledError;
}

/** kubelet-like states: Running; Waiting (CrashLoopBackOff: a restart is scheduled); Terminated; Stopped (by stop()). */
export type SupervisorState = 'New' | 'Running' | 'CrashLoopBackOff' | 'Terminated' | 'Stopped';

interface Run {
  n: number;
  runtime: GoRuntime;
  cancel: (cause?: unknown) => void;
  /** Resolves when main returned or threw. */
  returned: Promise<void>;
  startedAtMs: number;
  ended: boolean;
}

export class Supervisor {
  /** Restarts so far (the kubelet's restartCount). */
  restartCount = 0;
  readonly exits: ProcessExit[] = [];
  private readonly opts: SupervisorOptions;
  private readonly clock: Clock;
  private readonly log: Logger;
  private stateNow: SupervisorState = 'New';
  private run: Run | undefined;
  private restartTimer: TimerHandle | undefined;
  private restartAt: number | undefined;
  private backoffSteps = 0;
  private exitWaiters: ((exit: ProcessExit) => void)[] = [];

  constructor(opts: SupervisorOptions) {
    this.opts = opts;
    this.clock = opts.clock;
    this.log = (opts.logger ?? quietLogger()).child({ component: 'supervisor', process: opts.spec.name });
  }

  state(): SupervisorState {
    return this.stateNow;
  }

  /** The running process's runtime, if one runs. */
  current(): GoRuntime | undefined {
    return this.run && !this.run.ended ? this.run.runtime : undefined;
  }

  /** When the scheduled restart happens (Clock ms), if one is scheduled. */
  nextRestartAtMs(): number | undefined {
    return this.restartAt;
  }

  /** Quiescence: the running process is idle, or none runs (a scheduled restart is a Clock timer). */
  idle(): boolean {
    if (this.stateNow !== 'Running') return true;
    return this.opts.spec.idle?.() ?? true;
  }

  /** Kills the running process at once (SIGKILL: no goroutine resumes); the restart policy applies. */
  kill(why: string): boolean {
    const rt = this.current();
    if (!rt) return false;
    rt.exit('fatal', new KilledError(why), rt.main);
    return true;
  }

  /** Resolves with the next exit of the process. */
  nextExit(): Promise<ProcessExit> {
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  start(): void {
    if (this.stateNow !== 'New') throw new Error(`supervisor ${this.opts.spec.name}: started twice`);
    this.launch();
  }

  /** Stops for good: cancels a scheduled restart, cancels the running process's context and waits for its main to return. */
  async stop(): Promise<void> {
    this.restartTimer?.cancel();
    this.restartTimer = undefined;
    this.restartAt = undefined;
    const run = this.run;
    this.stateNow = 'Stopped';
    if (!run || run.ended) return;
    run.cancel(new Error('supervisor stopped'));
    await run.returned;
  }

  private launch(): void {
    this.restartTimer = undefined;
    this.restartAt = undefined;
    const n = this.restartCount;
    let markReturned!: () => void;
    const returned = new Promise<void>((resolve) => (markReturned = resolve));
    const runtime = new GoRuntime({
      name: this.opts.spec.name,
      onExit: (report) => this.ended(run, report),
    });
    const { ctx, cancel } = withCancel(runtime.ctx);
    const run: Run = { n, runtime, cancel, returned, startedAtMs: this.clock.now(), ended: false };
    this.run = run;
    this.stateNow = 'Running';
    this.log.debug({ restartCount: n }, 'process started');
    // Plain promises, not Goroutine.join(): join parks, and this may run in a dead process's context
    // (a restart timer set from its onExit).
    runtime.go('main', async () => {
      let threw = false;
      try {
        await this.opts.spec.main(ctx, runtime);
      } catch (e) {
        threw = true; // the runtime turns it into a panic exit
        throw e;
      } finally {
        markReturned();
        if (!threw && !runtime.exited) this.ended(run, undefined);
      }
    });
  }

  private ended(run: Run, report: ExitReport | undefined): void {
    if (run.ended) return;
    run.ended = true;
    run.cancel(report?.error ?? new Error('process exited'));
    const exit: ProcessExit = {
      run: run.n,
      reason: report ? 'Error' : 'Completed',
      exitCode: report ? report.exitCode : 0,
      report,
      startedAtMs: run.startedAtMs,
      finishedAtMs: this.clock.now(),
    };
    this.exits.push(exit);
    if (report) this.log.warn({ restartCount: this.restartCount, report: report.toString() }, 'process crashed');
    else this.log.debug({ restartCount: this.restartCount }, 'process completed');
    this.opts.onExit?.(exit);
    for (const w of this.exitWaiters.splice(0)) w(exit);
    if (this.stateNow === 'Stopped') return;
    const policy = this.opts.restartPolicy ?? 'Always';
    if (policy === 'Never' || (policy === 'OnFailure' && !report)) {
      this.stateNow = 'Terminated';
      return;
    }
    const resetMs = this.opts.backoffResetMs ?? defaultRestartBackoffResetMs;
    if (exit.finishedAtMs - exit.startedAtMs >= resetMs) this.backoffSteps = 0;
    const delay = this.backoffDelayMs(this.backoffSteps++);
    this.stateNow = 'CrashLoopBackOff';
    this.restartAt = this.clock.now() + delay;
    this.restartTimer = this.clock.setTimer(delay, () => {
      if (this.stateNow !== 'CrashLoopBackOff') return;
      this.restartCount++;
      this.launch();
    });
  }

  private backoffDelayMs(step: number): number {
    if (step === 0) return 0;
    const initial = this.opts.backoffInitialMs ?? defaultRestartBackoffInitialMs;
    const max = this.opts.backoffMaxMs ?? defaultRestartBackoffMaxMs;
    return Math.min(initial * 2 ** (step - 1), max);
  }
}

/** A process spec whose main builds a Manager (inside the process, so its goroutines belong there) and runs it. */
export function managerProcess(name: string, build: (runtime: GoRuntime) => Manager): ProcessSpec & { manager(): Manager | undefined } {
  let current: Manager | undefined;
  return {
    name,
    main: async (ctx, runtime) => {
      current = build(runtime);
      await current.start(ctx);
    },
    idle: () => current?.idle() ?? true,
    manager: () => current,
  };
}
