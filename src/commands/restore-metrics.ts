import type { Logger } from 'pino';
import { errorMessage } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { Shard } from '../pass/shard.js';
import { readLastPasses } from '../records/runs.js';
import { withRetry } from '../retry.js';
import type { PassDeps } from '../pass/run-once.js';

/**
 * Restores the last passes' figures (result, times, days at risk) from the run reports at the
 * destination. A failure only leaves them at zero, as before any pass: it is logged and the
 * process goes on (the pass itself will report a bucket that cannot be used).
 */
export async function restoreMetrics(metrics: Metrics, deps: Pick<PassDeps, 'store' | 'retry' | 'sleep' | 'random'>, options: { shard?: Shard | undefined; signal?: AbortSignal; logger: Logger }): Promise<void> {
  const { logger, signal } = options;
  try {
    const last = await withRetry(deps.retry, { sleep: deps.sleep, random: deps.random, ...(signal ? { signal } : {}) }, () =>
      readLastPasses(deps.store, { ...(options.shard ? { shard: options.shard } : {}), ...(signal ? { signal } : {}) }),
    );
    for (const problem of last.unreadable) logger.warn({ reason: 'metrics.report-unreadable' }, `run report ${problem}; passed over`);
    metrics.restore(last);
    logger.info(
      { lastPass: last.newest?.runId, result: last.newest?.result, lastSuccess: last.lastSuccess?.finishedAt.toISOString(), daysAtRisk: last.newest?.daysAtRisk },
      last.newest ? 'metrics restored from the last run report at the destination' : 'no run report at the destination yet: metrics start from zero',
    );
  } catch (error) {
    if (signal?.aborted) return;
    logger.warn({ reason: 'metrics.restore-failed' }, `could not read the run reports at the destination, so the metrics start from zero: ${errorMessage(error)}`);
  }
}
