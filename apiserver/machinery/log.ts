// Structured logs: pino everywhere; pretty on a terminal, JSON otherwise, quiet by default in tests.
import pino, { type Logger } from 'pino';

export type { Logger };

export interface LogOptions {
  level?: string;
  pretty?: boolean;
  name?: string;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const level = opts.level ?? process.env.RACELAB_LOG ?? 'info';
  const pretty = opts.pretty ?? process.stderr.isTTY;
  const base = { name: opts.name ?? 'racelab' };
  if (pretty) {
    return pino({ level, ...base, transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, ignore: 'pid,hostname' } } });
  }
  return pino({ level, ...base }, pino.destination(2));
}

/** A logger that prints nothing unless RACELAB_LOG asks for it: the default in tests. */
export function quietLogger(): Logger {
  return pino({ level: process.env.RACELAB_LOG ?? 'silent' });
}
