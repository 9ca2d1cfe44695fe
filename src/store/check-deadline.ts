import { ArchiveError } from '../errors.js';

/**
 * How long the start-of-pass check of the destination may take, whatever the store's client
 * does inside it (an SDK retries a silent endpoint, each attempt waiting out its idle timeout):
 * one connect and one request's worth, never more than CHECK_DEADLINE_CAP_MS. A pass facing a
 * store that accepts connections and never answers then fails in seconds, not minutes.
 */
export const CHECK_DEADLINE_CAP_MS = 30_000;

export interface StoreTimeouts {
  /** TCP + TLS connect. */
  connectMs: number;
  /** Longest silence of one request (a socket idle timeout, not a total: a big part may take long). */
  requestMs: number;
}

export const DEFAULT_STORE_TIMEOUTS: StoreTimeouts = { connectMs: 10_000, requestMs: 60_000 };

export function checkDeadlineMs(timeouts: StoreTimeouts): number {
  return Math.min(CHECK_DEADLINE_CAP_MS, timeouts.connectMs + timeouts.requestMs);
}

/**
 * Runs a store's check under its deadline (and the caller's signal). The deadline passing is a
 * fatal `timeout` naming where; any other failure goes through `fail`, the store's classifier.
 */
export async function checkWithin(
  location: string,
  deadlineMs: number,
  signal: AbortSignal | undefined,
  check: (signal: AbortSignal) => Promise<unknown>,
  fail: (error: unknown) => Error,
): Promise<void> {
  const deadline = AbortSignal.timeout(deadlineMs);
  try {
    await check(signal ? AbortSignal.any([signal, deadline]) : deadline);
  } catch (error) {
    if (!deadline.aborted || signal?.aborted) throw fail(error);
    throw new ArchiveError(
      'store',
      'fatal',
      'timeout',
      `check ${location}: no answer within ${deadlineMs / 1000} s. Check that destination.endpoint is the store and that it is reachable from here (destination.timeouts bound each request)`,
    );
  }
}
