#!/usr/bin/env node
// Entry point of the `racelab` command: the built bundle, in this process (so signals reach the server
// itself), rebuilt first when the sources changed since the last build (npm ci builds it: prepare).
import { ensureBuilt } from './build.js';

// Under npx or an npm script, npm runs us through `sh -c`, and forwards a SIGTERM or SIGINT only to that
// shell, which dies without passing it on. When our parent goes away, stop as if the signal had reached us.
if (process.env.npm_command) {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM');
  }, 200).unref();
}

await ensureBuilt();
await import('../dist/racelab.js');
