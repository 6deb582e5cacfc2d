// The racelab command's one error handler: every failure ends as `error: <message>` and, where there is
// something to do about it, `hint: <what to do>`; never a stack trace (RACELAB_DEBUG=1 adds it).
import { CommanderError } from 'commander';

/** The exit codes, as documented in the README (Commands). */
export const exitCodes = {
  ok: 0,
  /** A scenario run did not behave as its variant should (the buggy one did not reproduce, the fixed one did). */
  verdictFailed: 1,
  /** Bad arguments, or the command could not do its work (port in use, unreadable kubeconfig, …). */
  error: 2,
} as const;

/** A failure the user can act on: printed as its message and hint, exit code 2. */
export class CliError extends Error {
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'CliError';
    this.hint = hint;
  }
}

interface SystemError extends Error {
  code?: string;
  syscall?: string;
  address?: string;
  port?: number;
  hostname?: string;
  path?: string;
}

function isSystemError(e: unknown): e is SystemError {
  return e instanceof Error && typeof (e as SystemError).code === 'string';
}

/** Node's own errors (listen, getaddrinfo, fs) said in the user's terms, with what to do. */
export function explainSystemError(e: unknown): CliError | undefined {
  if (!isSystemError(e)) return undefined;
  const where = e.address !== undefined && e.port !== undefined ? `${e.address}:${e.port}` : (e.address ?? e.hostname ?? '');
  switch (e.syscall === 'listen' || e.syscall === 'bind' ? e.code : e.syscall === 'getaddrinfo' ? 'getaddrinfo' : e.path ? 'fs' : undefined) {
    case 'EADDRINUSE':
      return new CliError(`port ${e.port} is in use${e.address ? ` on ${e.address}` : ''}`, 'stop the other racelab (or npm start), or pass another --port (0 picks a free one)');
    case 'EACCES':
      return new CliError(`not allowed to listen on ${where}`, 'ports below 1024 need privileges: pass --port 6443, or --port 0 for any free port');
    case 'EADDRNOTAVAIL':
      return new CliError(`cannot bind to ${e.address ?? 'that address'}: it is not an address of this machine`, 'pass --host 127.0.0.1 (this machine only) or --host 0.0.0.0 (every interface)');
    case 'getaddrinfo':
      return new CliError(`cannot resolve host ${e.hostname ?? ''}`.trim(), 'pass --host 127.0.0.1 or an IP address of this machine');
    case 'fs':
      return new CliError(`${e.code === 'ENOENT' ? 'no such file or folder' : e.code === 'EACCES' ? 'permission denied' : (e.code ?? 'cannot access')}: ${e.path}`);
    default:
      return undefined;
  }
}

/** A file the command was asked to read or write could not be: say which, and why, in words. */
export function fileError(action: 'read' | 'write', what: string, file: string, e: unknown, hint?: string): CliError {
  const code = isSystemError(e) ? e.code : undefined;
  const why = code === 'ENOENT' ? (action === 'read' ? 'no such file' : 'its folder does not exist') : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (e instanceof Error ? e.message : String(e)).split('\n')[0];
  return new CliError(`cannot ${action} ${what} ${file}: ${why}`, hint);
}

export interface Io {
  err: (s: string) => void;
}

/** Prints the error and returns the exit code for it. */
export function reportError(e: unknown, io: Io, commandPath: string): number {
  if (e instanceof CommanderError) {
    // Commander printed `error: …` itself; help and version displays are not errors.
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return exitCodes.ok;
    io.err(`hint: ${commandPath} --help lists ${commandPath === 'racelab' ? 'the commands' : 'its arguments and options'}\n`);
    return exitCodes.error;
  }
  const known = e instanceof CliError ? e : explainSystemError(e);
  if (known) {
    io.err(`error: ${known.message}\n`);
    if (known.hint) io.err(`hint: ${known.hint}\n`);
  } else {
    io.err(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    io.err('hint: this looks like a bug in racelab; RACELAB_DEBUG=1 prints the stack trace\n');
  }
  if (process.env.RACELAB_DEBUG && e instanceof Error && e.stack) io.err(`${e.stack}\n`);
  return exitCodes.error;
}
