import type { Logger } from 'pino';
import type { ArchiverEvent } from '../events.js';
import { logEvent } from '../log.js';
import { Progress, progressLine } from '../progress.js';
import { runOnce } from '../run.js';
import { wire } from '../wire.js';
import { EXIT_FAILED, EXIT_OK, type CliIo, type Command } from './command.js';

export const archiveCommand: Command = {
  name: 'archive',
  summary: 'one pass over every configured instance, then exit',
  flags: ['config', 'dry-run', 'instance', 'set'],
  async run({ flags, io, logger, pretty, loadConfig }) {
    const config = await loadConfig();
    const progress = new Progress(Date.now());
    const dryRun = flags['dry-run'] ?? false;
    const onEvent = (event: ArchiverEvent) => {
      progress.handle(event);
      if (dryRun && event.type === 'file-skipped') {
        logger.info({ instance: event.instanceId, file: event.fileName, logId: event.logId, date: event.date, reason: event.reason, detail: event.detail }, 'would skip');
      } else logEvent(logger, event);
    };
    const wired = wire(config, io.env, onEvent);
    const stop = stopOnSignals(io.signals, logger);
    const ticker = startProgress(progress, logger, io.stderr, pretty);
    try {
      const report = await runOnce(config, { ...wired.deps, onEvent, signal: stop.graceful, hardSignal: stop.hard }, { dryRun, only: flags.instance ?? [] });
      if (dryRun) {
        for (const instance of report.instances) {
          for (const file of instance.planned ?? []) {
            logger.info({ instance: instance.instanceId, file: file.fileName, logId: file.logId, key: file.key, partial: file.partial, replaces: file.replaces }, 'would archive');
          }
        }
      }
      return report.result === 'ok' ? EXIT_OK : EXIT_FAILED;
    } finally {
      ticker.stop();
      stop.dispose();
      await wired.close();
    }
  },
};

/** First signal: stop new work and let files in flight finish; second: abort them too. */
export function stopOnSignals(signals: NodeJS.EventEmitter | undefined, logger: Logger) {
  const graceful = new AbortController();
  const hard = new AbortController();
  const onSignal = (name: string) => {
    if (!graceful.signal.aborted) {
      logger.warn({ signal: name }, 'stopping: no new files; files in flight finish (a second signal aborts them)');
      graceful.abort();
    } else {
      logger.warn({ signal: name }, 'aborting files in flight');
      hard.abort();
    }
  };
  signals?.on('SIGTERM', onSignal);
  signals?.on('SIGINT', onSignal);
  return {
    graceful: graceful.signal,
    hard: hard.signal,
    dispose: () => {
      signals?.off('SIGTERM', onSignal);
      signals?.off('SIGINT', onSignal);
    },
  };
}

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
