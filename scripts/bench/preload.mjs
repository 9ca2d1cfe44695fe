// Loaded into the measured archiver with `node --import`: at exit it writes the process's own
// resource usage and event-loop delay to $BENCH_USAGE_FILE. Plain JavaScript on purpose: a
// TypeScript loader in the measured process would change its memory and start-up.
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import process from 'node:process';

const file = process.env.BENCH_USAGE_FILE;
if (file) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  process.on('exit', () => {
    delay.disable();
    const usage = process.resourceUsage();
    const ms = (ns) => Math.round(ns / 1e4) / 100;
    writeFileSync(
      file,
      JSON.stringify({
        maxRssKiB: usage.maxRSS,
        userCpuS: usage.userCPUTime / 1e6,
        systemCpuS: usage.systemCPUTime / 1e6,
        eventLoopDelayMs: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
      }),
    );
  });
}
