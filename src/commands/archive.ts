import { errorMessage } from '../errors.js';
import type { ArchiverEvent } from '../events.js';
import { resolveShard } from '../pass/shard.js';
import { shutdownOnSignals } from './shutdown.js';
import { startPassOutput } from '../pass-output.js';
import { runOnce } from '../pass/run-once.js';
import { buildClients } from './clients.js';
import { restoreMetrics } from './restore-metrics.js';
import { packageVersion } from './version.js';
import { EXIT_FAILED, EXIT_OK, type Command } from './command.js';

export const archiveCommand: Command = {
  name: 'archive',
  summary: 'one pass over every configured instance, then exit',
  flags: ['config', 'dry-run', 'instance', 'set', 'shard'],
  examples: ['archive --config dcs-log-archiver.yaml', 'archive --dry-run --instance orders-cache', 'archive --shard 0/4 --set archive.concurrency=4'],
  async run({ flags, io, logger, pretty, terminal, loadConfig }) {
    const config = await loadConfig();
    const shard = resolveShard(flags.shard, io.env, config.sharding.count);
    const dryRun = flags['dry-run'] ?? false;
    // prom-client is loaded only when the figures go somewhere.
    const metrics = config.metrics.pushgatewayUrl && !dryRun ? new (await import('../metrics.js')).Metrics({ version: packageVersion(), node: process.version }) : undefined;
    const wired = buildClients(config, io.env, (event) => onEvent(event));
    const stop = shutdownOnSignals(io.signals, logger, config.shutdown.graceSeconds * 1000);
    const output = startPassOutput({ logger, pretty, terminal });
    const label = (id: string) => output.names.label(id);
    function onEvent(event: ArchiverEvent): void {
      metrics?.handle(event);
      if (dryRun && event.type === 'file-skipped') {
        output.track(event);
        if (pretty) logger.info(`would skip ${label(event.instanceId)} ${event.fileName}: ${event.reason}${event.detail ? ` (${event.detail})` : ''}`);
        else logger.info({ instance: event.instanceId, file: event.fileName, logId: event.logId, date: event.date, reason: event.reason, detail: event.detail }, 'would skip');
      } else output.handle(event);
    }
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
            if (pretty) logger.info(`would collect ${label(instance.instanceId)} replica ${c.replica}: ${c.days.join(', ')}`);
            else logger.info({ instance: instance.instanceId, replica: c.replica, queryTime: c.period, days: c.days }, 'would collect');
          }
          for (const file of instance.planned ?? []) {
            if (pretty) logger.info(`would archive ${label(instance.instanceId)} ${file.fileName} as ${file.key}${file.partial ? ' (partial)' : ''}${file.replaces ? `, replacing ${file.replaces}` : ''}`);
            else logger.info({ instance: instance.instanceId, file: file.fileName, logId: file.logId, key: file.key, partial: file.partial, replaces: file.replaces }, 'would archive');
          }
        }
      }
      return report.result === 'ok' ? EXIT_OK : report.result === 'stopped' ? stop.exitCode() : EXIT_FAILED;
    } finally {
      output.stop();
      stop.dispose();
      await wired.close();
    }
  },
};
