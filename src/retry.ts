import { AbortedError, failureKind, isArchiveError } from './errors.js';

export interface RetryPolicy {
  /** Total attempts per call, including the first. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };

export interface RetryEffects {
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  signal?: AbortSignal;
  /** Narrows which failures are tried again; by default every `retryable` one. */
  shouldRetry?: (error: unknown) => boolean;
  /** Told before each pause: which attempt failed, the error and the delay chosen. */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

/** Full-jitter exponential backoff, capped; a server's Retry-After wins when it is longer. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number, retryAfterMs?: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.round(ceiling * random());
  return retryAfterMs === undefined ? jittered : Math.min(policy.maxDelayMs, Math.max(jittered, retryAfterMs));
}

/**
 * Runs `fn` until it succeeds, throws a non-retryable failure, or runs out of attempts.
 * Only errors classified `retryable` are tried again: 401/403 never are (five bad signatures
 * in a row lock the access key).
 */
export async function withRetry<T>(policy: RetryPolicy, effects: RetryEffects, fn: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    if (effects.signal?.aborted) throw new AbortedError();
    try {
      return await fn(attempt);
    } catch (error) {
      const retry = effects.shouldRetry ? effects.shouldRetry(error) : failureKind(error) === 'retryable';
      if (!retry || attempt >= policy.attempts || effects.signal?.aborted) throw error;
      const retryAfterMs = isArchiveError(error) ? error.retryAfterMs : undefined;
      const delayMs = backoffDelay(policy, attempt, effects.random, retryAfterMs);
      effects.onRetry?.({ attempt, delayMs, error });
      await effects.sleep(delayMs, effects.signal);
    }
  }
}

/** The default `sleep`: resolves after `ms`, rejects with AbortedError when the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
