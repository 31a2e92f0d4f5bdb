/**
 * Preloaded into the server (`--import`) by bench/hostile-load.mjs, never by the product: it
 * measures the event loop's delay (perf_hooks.monitorEventLoopDelay, 1 ms resolution) and the
 * process's CPU time, and on SIGUSR2 writes what it saw since the previous signal as one
 * `loop-probe {json}` line to stderr, then starts over. So the bench can tell time the
 * server's own event loop spends (pushing streams) from time lost elsewhere (the kernel, the
 * clients, other processes on the same cores).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
let cpu = process.cpuUsage();
let since = performance.now();
process.on('SIGUSR2', () => {
  const used = process.cpuUsage(cpu);
  // The histogram holds the timer's whole interval: 1 ms (its resolution) means no delay.
  const ms = (ns) => Math.max(0, Math.round(ns / 1e4) / 100 - 1);
  const line = {
    seconds: Math.round(performance.now() - since) / 1000,
    delayP50: ms(loop.percentile(50)),
    delayP99: ms(loop.percentile(99)),
    delayMax: ms(loop.max),
    cpuUserMs: Math.round(used.user / 1000),
    cpuSystemMs: Math.round(used.system / 1000),
  };
  process.stderr.write(`loop-probe ${JSON.stringify(line)}\n`);
  loop.reset();
  cpu = process.cpuUsage();
  since = performance.now();
});
