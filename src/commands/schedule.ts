import { errorMessage } from '../errors.js';
import type { ArchiverEvent } from '../events.js';
import { logEvent } from '../event-log.js';
import { startPassOutput, type PassOutput } from '../pass-output.js';
import { runOnce } from '../pass/run-once.js';
import { CronSchedule } from '../schedule/cron.js';
import { realTimers, startScheduler } from '../schedule/scheduler.js';
import { resolveShard } from '../pass/shard.js';
import { buildClients } from './clients.js';
import { EXIT_FAILED, EXIT_OK, type Command } from './command.js';
import { restoreMetrics } from './restore-metrics.js';
import { shutdownOnSignals } from './shutdown.js';
import { packageVersion } from './version.js';

export const scheduleCommand: Command = {
  name: 'schedule',
  summary: 'long-running: a pass on every tick of schedule.cron',
  flags: ['config', 'run-now', 'set', 'shard'],
  examples: ['schedule --run-now', 'schedule --config /etc/dcs-log-archiver.yaml --shard 1/3'],
  async run({ flags, io, logger, pretty, terminal, loadConfig }) {
    const config = await loadConfig();
    const shard = resolveShard(flags.shard, io.env, config.sharding.count);
    // Loaded here, not at start-up, so one-shot commands do not carry prom-client.
    const [{ Metrics }, { startServer }] = await Promise.all([import('../metrics.js'), import('../server.js')]);
    const metrics = new Metrics({ version: packageVersion(), node: process.version });
    // During a pass its output (progress, names, waits); between passes nothing should come, but it would still be logged.
    let output: PassOutput | undefined;
    const onEvent = (event: ArchiverEvent) => {
      metrics.handle(event);
      if (output) output.handle(event);
      else logEvent(logger, event, { pretty });
    };
    const wired = buildClients(config, io.env, onEvent);
    const stop = shutdownOnSignals(io.signals, logger, config.shutdown.graceSeconds * 1000);
    let lastResult: string | undefined;
    const server =
      config.server.port === null
        ? undefined
        : await startServer({
            port: config.server.port,
            host: config.server.host,
            metrics,
            health: { ready: () => (lastResult === 'failed' ? { ready: false, reason: 'the last pass failed fatally' } : { ready: true }) },
          });
    if (server) logger.info({ port: server.port }, 'serving /healthz, /readyz and /metrics');
    // Alongside the first pass, not before it: a slow bucket delays neither the probes nor the
    // schedule, and a pass that finishes first has the newer figures (restore keeps them).
    const restored = restoreMetrics(metrics, wired.deps, { shard, signal: stop.graceful, logger });

    const cron = new CronSchedule(config.schedule.cron, config.schedule.timezone);
    const scheduler = startScheduler({
      schedule: cron,
      runOnStart: (flags['run-now'] ?? false) || config.schedule.runOnStart,
      maxRandomDelayMs: config.schedule.maxRandomDelaySeconds * 1000,
      now: () => new Date(),
      random: Math.random,
      ...realTimers,
      runPass: async () => {
        output = startPassOutput({ logger, pretty, terminal });
        try {
          const report = await runOnce(config, { ...wired.deps, onEvent, signal: stop.graceful, hardSignal: stop.hard }, shard ? { shard } : {});
          lastResult = report.result;
        } finally {
          output.stop();
          output = undefined;
        }
        const next = scheduler.next();
        if (next && !stop.graceful.aborted) logger.info({ next: next.toISOString() }, 'next pass');
      },
      onSkip: (wall) => {
        metrics.skippedTick();
        logger.warn({ tick: wall, timezone: config.schedule.timezone }, 'skipped a scheduled pass: the previous one is still running');
      },
      onError: (error) => logger.error({ reason: 'pass.crashed' }, `pass crashed: ${errorMessage(error)}`),
    });
    logger.info({ cron: config.schedule.cron, timezone: config.schedule.timezone, next: scheduler.next()?.toISOString(), shard }, 'scheduler started');

    await new Promise<void>((resolve) => stop.graceful.addEventListener('abort', () => resolve(), { once: true }));
    await scheduler.stop();
    await restored;
    stop.dispose();
    cron.dispose();
    await server?.close();
    await wired.close();
    logger.info('scheduler stopped');
    // Stopped between passes is the normal end of a scheduler; stopped during one, like `archive`.
    if (lastResult === 'stopped') return stop.exitCode();
    return lastResult === undefined || lastResult === 'ok' ? EXIT_OK : EXIT_FAILED;
  },
};
