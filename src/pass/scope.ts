import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import { AbortedError, failureKind, type ArchiveError } from '../errors.js';

/**
 * The one concurrency limit of a pass and the signals that stop it. A graceful stop (the
 * caller's `signal`) stops new work; a forceful one (`hardSignal`) or the first fatal failure
 * aborts work in flight too. Every stage runs its I/O through `run`, never nesting in it.
 */
export interface PassScope {
  /** Aborted when no new work may start. */
  readonly stopNew: AbortSignal;
  /** Aborted when work in flight must end. */
  readonly hard: AbortSignal;
  /** The first fatal failure, once there is one. */
  fatal(): ArchiveError | undefined;
  /** Asked to stop (a signal) with no fatal failure: what is left is deferred, not failed. */
  stoppedBySignal(): boolean;
  /** Tells the scope of a failure; a fatal one stops the whole pass. */
  noteFailure(error: unknown): void;
  /**
   * Runs `fn` under the limit. New work is refused after a stop; `closing` work (records, the
   * manifest) still runs, so what finished is listed.
   */
  run<T>(fn: () => Promise<T>, options?: { closing?: boolean }): Promise<T>;
}

export function createPassScope(options: { concurrency: number; signal?: AbortSignal; hardSignal?: AbortSignal }): PassScope {
  const limit = pLimit(options.concurrency);
  const onFatal = new AbortController();
  let fatal: ArchiveError | undefined;
  const stopNew = anySignal([options.signal, onFatal.signal]);
  const hard = anySignal([options.hardSignal, onFatal.signal]);
  // Every request in flight listens to these, up to the concurrency limit and beyond: not a leak.
  setMaxListeners(0, stopNew, hard);
  return {
    stopNew,
    hard,
    fatal: () => fatal,
    stoppedBySignal: () => fatal === undefined && options.signal?.aborted === true,
    noteFailure(error) {
      if (failureKind(error) !== 'fatal' || fatal) return;
      fatal = error as ArchiveError;
      onFatal.abort();
    },
    run(fn, runOptions = {}) {
      return limit(() => {
        if (!runOptions.closing && stopNew.aborted) {
          throw new AbortedError(fatal ? 'stopped: the pass hit a fatal error' : 'stopped before it started: shutting down');
        }
        return fn();
      });
    },
  };
}

function anySignal(signals: Array<AbortSignal | undefined>): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
}
