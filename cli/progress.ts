// Progress of a batch of scenario runs, always on stderr (stdout stays for results and --json): a bar on
// a terminal, else one line per case (scenario × variant) once its seeds are done.
import { Presets, SingleBar } from 'cli-progress';
import type { RunResult } from '../scenarios/engine/types.ts';

export interface Progress {
  /** One run finished. */
  run(result: RunResult): void;
  /** Every seed of one scenario × variant finished. */
  caseDone(results: readonly RunResult[]): void;
  /** Something is about to be printed on stdout: get out of the way, and come back after `print`. */
  around(print: () => void): void;
  stop(): void;
}

export function progress(total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY) {
    const bar = new SingleBar({ format: ' {bar} {value}/{total} {scenario}', stream, hideCursor: true }, Presets.shades_classic);
    let done = 0;
    bar.start(total, 0, { scenario: '' });
    return {
      run: (r) => {
        done++;
        bar.increment(1, { scenario: `${r.scenario} ${r.variant} seed ${r.seed}` });
      },
      caseDone: () => undefined,
      around: (print) => {
        bar.stop();
        print();
        bar.start(total, done, { scenario: '' });
      },
      stop: () => bar.stop(),
    };
  }
  let done = 0;
  return {
    run: () => {
      done++;
    },
    caseDone: (results) => {
      const first = results[0];
      if (!first) return;
      const ok = results.filter((r) => r.ok).length;
      const reproduced = results.filter((r) => r.reproduced).length;
      const ms = results.reduce((sum, r) => sum + r.durationMs, 0);
      stream.write(`[${done}/${total}] ${first.scenario} ${first.variant}: ${results.length} run${results.length === 1 ? '' : 's'}, ${reproduced} reproduced, ${ok} as expected (${ms} ms)\n`);
    },
    around: (print) => print(),
    stop: () => undefined,
  };
}
