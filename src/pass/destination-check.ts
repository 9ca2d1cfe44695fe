import { ArchiveError, errorMessage } from '../errors.js';
import type { EventSink } from '../events.js';
import type { BucketStore } from '../store/store.js';

/**
 * A destination that cannot be used at the start of a pass is fatal for it, whatever the cause.
 * `probeKey` (none in a dry run, which writes nothing) names the tiny object that proves the
 * storage settings.
 */
export async function checkDestination(store: BucketStore, signal: AbortSignal, onEvent: EventSink, probeKey?: string): Promise<void> {
  onEvent({ type: 'store-check-started', location: store.location, ...(store.checkDeadlineMs === undefined ? {} : { deadlineMs: store.checkDeadlineMs }) });
  let ok = false;
  try {
    await store.check(signal, probeKey === undefined ? {} : { probeKey });
    ok = true;
  } catch (error) {
    if (error instanceof ArchiveError && error.kind === 'fatal') throw error;
    const code = error instanceof ArchiveError ? error.code : 'unreachable';
    throw new ArchiveError('store', 'fatal', code, `the destination ${store.location} cannot be used: ${errorMessage(error)}`, { cause: error });
  } finally {
    // Answered or given up: either way the wait is over, and the edge stops reporting it.
    onEvent({ type: 'store-check-finished', location: store.location, ok });
  }
}
