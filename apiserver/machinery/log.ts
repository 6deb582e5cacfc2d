// Structured logs: pino everywhere; pretty on a terminal, JSON otherwise, quiet by default in tests.
// Every key appears once per line: a child's bindings extend its parent's (a nested `component` reads
// `clusterapi/machineset-controller`, any other key is replaced), and a field of a log call that repeats a
// bound key is dropped when equal or kept as `<key>Field`. `name` is the logger's: a binding or field
// called `name` is written as `objectName`.
import pino, { type ChildLoggerOptions, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export interface LogOptions {
  level?: string;
  pretty?: boolean;
  name?: string;
  /** Where JSON lines go (default: stderr). */
  destination?: DestinationStream;
  /**
   * While this returns true (a shutdown the user asked for is under way), ERROR and FATAL lines are written
   * at INFO with `duringShutdown: true`: work cut short by the cancellation is the clean end, not a failure.
   */
  shuttingDown?: () => boolean;
}

type Fields = Record<string, unknown>;

/** Keys whose nested values join with `/` instead of replacing the parent's. */
const extendingKeys = new Set(['component']);

function mergeBindings(parent: Fields, child: Fields): Fields {
  const out = { ...parent };
  for (const [key, value] of Object.entries(child)) {
    if (value === undefined) continue;
    const k = key === 'name' ? 'objectName' : key;
    const prev = out[k];
    out[k] = extendingKeys.has(k) && typeof prev === 'string' && prev !== value ? `${prev}/${String(value)}` : value;
  }
  return out;
}

/** The log-call formatter for a logger with these bindings. */
function fieldsFormatter(bound: Fields): (obj: Fields) => Fields {
  return (obj) => {
    let out: Fields | undefined;
    for (const key of Object.keys(obj)) {
      if (key !== 'name' && !(key in bound)) continue;
      out ??= { ...obj };
      const value = out[key];
      delete out[key];
      if (key === 'name') out.objectName = value;
      else if (value !== bound[key]) out[`${key}Field`] = value;
    }
    return out ?? obj;
  };
}

/** Makes `logger.child` build every descendant from the root with merged bindings, so no key repeats. */
function extending(logger: Logger, root: Logger, bound: Fields, rootChild = root.child.bind(root)): Logger {
  const child = (bindings: Fields, options?: ChildLoggerOptions): Logger => {
    const merged = mergeBindings(bound, bindings);
    const { name: _rootName, ...own } = merged;
    const made = rootChild(own, { level: logger.level, ...options, formatters: { ...options?.formatters, log: fieldsFormatter(merged) as (o: object) => object } });
    return extending(made as Logger, root, merged, rootChild);
  };
  logger.child = child as unknown as Logger['child'];
  return logger;
}

let stderrDestination: DestinationStream | undefined;

/** One destination on fd 2 for every JSON logger of the process. */
function stderr(): DestinationStream {
  return (stderrDestination ??= pino.destination(2));
}

export function createLogger(opts: LogOptions = {}): Logger {
  const level = opts.level ?? process.env.RACELAB_LOG ?? 'info';
  const pretty = opts.destination ? false : (opts.pretty ?? process.stderr.isTTY);
  const bound = { name: opts.name ?? 'racelab' };
  const formatters = { log: fieldsFormatter(bound) };
  const shuttingDown = opts.shuttingDown;
  const hooks = {
    logMethod(this: Logger, args: Parameters<Logger['info']>, method: (...a: Parameters<Logger['info']>) => void, levelValue: number): void {
      if (levelValue < 50 || !shuttingDown?.()) return method.apply(this, args);
      const [first, ...rest] = args as unknown[];
      const fields = typeof first === 'object' && first !== null ? { ...(first as Fields), duringShutdown: true } : { duringShutdown: true };
      const message = typeof first === 'object' && first !== null ? rest : [first, ...rest];
      (this.info as (...a: unknown[]) => void)(fields, ...message);
    },
  };
  const root = pretty
    ? pino({ level, ...bound, formatters, hooks, transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, ignore: 'pid,hostname' } } })
    : pino({ level, ...bound, formatters, hooks }, opts.destination ?? stderr());
  return extending(root, root, bound);
}

/** A logger that prints nothing unless RACELAB_LOG asks for it: the default in tests. */
export function quietLogger(): Logger {
  return createLogger({ level: process.env.RACELAB_LOG ?? 'silent', pretty: false });
}
