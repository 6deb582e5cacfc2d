// Preloaded into a server the memory benchmark starts (node --expose-gc --import bench/gcprobe.mjs): on
// SIGUSR2 it runs a full garbage collection and writes the memory figures after it, as one JSON line, to
// the file BENCH_GC_FILE names. What is live after a GC is what the objects cost; RSS before it also holds
// the garbage V8 has not collected yet.
import { writeFileSync } from 'node:fs';

process.on('SIGUSR2', () => {
  const before = process.memoryUsage().rss;
  globalThis.gc?.();
  const m = process.memoryUsage();
  writeFileSync(process.env.BENCH_GC_FILE ?? '/dev/null', `${JSON.stringify({ rssBefore: before, rss: m.rss, heapUsed: m.heapUsed })}\n`);
});
