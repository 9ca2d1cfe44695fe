import type { Logger } from 'pino';

/**
 * SIGTERM/SIGINT handling shared by every command. The first signal stops new work at once
 * and gives files in flight `graceMs` to finish; then (or at a second signal) they are
 * aborted, which aborts their multipart uploads, and the command ends normally, writing its
 * records and report on the way out.
 */
export function shutdownOnSignals(signals: NodeJS.EventEmitter | undefined, logger: Logger, graceMs: number) {
  const graceful = new AbortController();
  const hard = new AbortController();
  let graceTimer: NodeJS.Timeout | undefined;
  let first: string | undefined;
  const abortInFlight = (why: string) => {
    if (hard.signal.aborted) return;
    logger.warn(why);
    hard.abort();
  };
  const onSignal = (name: string) => {
    if (!graceful.signal.aborted) {
      first = name;
      logger.warn({ signal: name, graceSeconds: graceMs / 1000 }, 'stopping: no new work; files in flight may finish (a second signal aborts them)');
      graceful.abort();
      graceTimer = setTimeout(() => abortInFlight('grace period over: aborting files in flight'), graceMs);
      graceTimer.unref();
    } else {
      abortInFlight(`second ${name}: aborting files in flight`);
    }
  };
  signals?.on('SIGTERM', onSignal);
  signals?.on('SIGINT', onSignal);
  return {
    graceful: graceful.signal,
    hard: hard.signal,
    /** The exit code of a command the first signal stopped: 128 + its number, as shells report it. */
    exitCode: (): number => 128 + (first === 'SIGINT' ? 2 : 15),
    dispose: () => {
      clearTimeout(graceTimer);
      signals?.off('SIGTERM', onSignal);
      signals?.off('SIGINT', onSignal);
    },
  };
}
