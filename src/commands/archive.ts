import type { Logger } from 'pino';
import { errorMessage } from '../errors.js';
import type { ArchiverEvent } from '../events.js';
import { resolveShard } from '../pass/shard.js';
import { shutdownOnSignals } from './shutdown.js';
import { logEvent } from '../log.js';
import { Progress, progressLine } from '../progress.js';
import { runOnce } from '../pass/run-once.js';
import { buildClients } from './clients.js';
import { restoreMetrics } from './restore-metrics.js';
import { packageVersion } from './version.js';
import { EXIT_FAILED, EXIT_OK, type CliIo, type Command } from './command.js';

export const archiveCommand: Command = {
  name: 'archive',
  summary: 'one pass over every configured instance, then exit',
  flags: ['config', 'dry-run', 'instance', 'set', 'shard'],
  examples: ['archive --config dcs-log-archiver.yaml', 'archive --dry-run --instance orders-cache', 'archive --shard 0/4 --set archive.concurrency=4'],
  async run({ flags, io, logger, pretty, loadConfig }) {
    const config = await loadConfig();
    const shard = resolveShard(flags.shard, io.env, config.sharding.count);
    const progress = new Progress(Date.now());
    const dryRun = flags['dry-run'] ?? false;
    // prom-client is loaded only when the figures go somewhere.
    const metrics = config.metrics.pushgatewayUrl && !dryRun ? new (await import('../metrics.js')).Metrics({ version: packageVersion(), node: process.version }) : undefined;
    const onEvent = (event: ArchiverEvent) => {
      progress.handle(event);
      metrics?.handle(event);
      if (dryRun && event.type === 'file-skipped') {
        logger.info({ instance: event.instanceId, file: event.fileName, logId: event.logId, date: event.date, reason: event.reason, detail: event.detail }, 'would skip');
      } else logEvent(logger, event);
    };
    const wired = buildClients(config, io.env, onEvent);
    const stop = shutdownOnSignals(io.signals, logger, config.shutdown.graceSeconds * 1000);
    const ticker = startProgress(progress, logger, io.stderr, pretty);
    try {
      // A push replaces the group's previous one: without the last success read back, a failed
      // pass would push "never succeeded".
      if (metrics) await restoreMetrics(metrics, wired.deps, { shard, signal: stop.graceful, logger });
      const report = await runOnce(config, { ...wired.deps, onEvent, signal: stop.graceful, hardSignal: stop.hard }, { dryRun, only: flags.instance ?? [], ...(shard ? { shard } : {}) });
      if (metrics && config.metrics.pushgatewayUrl) {
        await metrics.push(config.metrics.pushgatewayUrl, config.metrics.jobName, shard).catch((error: unknown) => logger.warn({ reason: 'metrics.push-failed' }, `could not push metrics: ${errorMessage(error)}`));
      }
      if (dryRun) {
        for (const instance of report.instances) {
          for (const c of instance.collection ?? []) {
            logger.info({ instance: instance.instanceId, replica: c.replica, queryTime: c.period, days: c.days }, 'would collect');
          }
          for (const file of instance.planned ?? []) {
            logger.info({ instance: instance.instanceId, file: file.fileName, logId: file.logId, key: file.key, partial: file.partial, replaces: file.replaces }, 'would archive');
          }
        }
      }
      return report.result === 'ok' ? EXIT_OK : report.result === 'stopped' ? stop.exitCode() : EXIT_FAILED;
    } finally {
      ticker.stop();
      stop.dispose();
      await wired.close();
    }
  },
};

/** A live line on a terminal; in JSON mode a progress line every 10 s while files are in flight. */
function startProgress(progress: Progress, logger: Logger, stderr: CliIo['stderr'], pretty: boolean) {
  const live = pretty && stderr.isTTY === true;
  const timer = setInterval(() => {
    const snapshot = progress.snapshot(Date.now());
    if (live) stderr.write(`\r\x1b[K${progressLine(snapshot)}`);
    else if (snapshot.inFlight.length > 0) logger.info(snapshot, 'progress');
  }, live ? 250 : 10_000);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      if (live) stderr.write('\r\x1b[K');
    },
  };
}
