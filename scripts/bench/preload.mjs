// Loaded into the measured archiver with `node --import`: at exit it writes the process's own
// resource usage and event-loop delay to $BENCH_USAGE_FILE. Plain JavaScript on purpose: a
// TypeScript loader in the measured process would change its memory and start-up.
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import process from 'node:process';
import { clearInterval, setInterval } from 'node:timers';

const file = process.env.BENCH_USAGE_FILE;
if (file) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  // What the memory is made of when it is highest, sampled ten times a second: where a peak comes from.
  let atPeak = process.memoryUsage();
  const sample = setInterval(() => {
    const now = process.memoryUsage();
    if (now.rss > atPeak.rss) atPeak = now;
  }, 100);
  sample.unref();
  process.on('exit', () => {
    delay.disable();
    clearInterval(sample);
    const usage = process.resourceUsage();
    const ms = (ns) => Math.round(ns / 1e4) / 100;
    writeFileSync(
      file,
      JSON.stringify({
        maxRssKiB: usage.maxRSS,
        userCpuS: usage.userCPUTime / 1e6,
        systemCpuS: usage.systemCPUTime / 1e6,
        eventLoopDelayMs: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
        atPeak: { rss: atPeak.rss, heapTotal: atPeak.heapTotal, heapUsed: atPeak.heapUsed, external: atPeak.external, arrayBuffers: atPeak.arrayBuffers },
      }),
    );
  });
}
