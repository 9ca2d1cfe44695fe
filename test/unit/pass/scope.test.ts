import { describe, expect, it } from 'vitest';
import { AbortedError, ArchiveError } from '../../../src/errors.js';
import { createPassScope } from '../../../src/pass/scope.js';

describe('the pass scope', () => {
  it('never runs more than the limit at once', async () => {
    const scope = createPassScope({ concurrency: 2 });
    let running = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        scope.run(async () => {
          running += 1;
          most = Math.max(most, running);
          await new Promise((resolve) => setTimeout(resolve, 5));
          running -= 1;
        }),
      ),
    );
    expect(most).toBe(2);
  });

  it('refuses new work after a graceful stop, but still runs closing work and lets work in flight go on', async () => {
    const stop = new AbortController();
    const scope = createPassScope({ concurrency: 4, signal: stop.signal });
    stop.abort();
    await expect(scope.run(async () => 'new')).rejects.toBeInstanceOf(AbortedError);
    await expect(scope.run(async () => 'closing', { closing: true })).resolves.toBe('closing');
    expect(scope.hard.aborted).toBe(false);
    expect(scope.fatal()).toBeUndefined();
  });

  it('stops everything on the first fatal failure, and only on a fatal one', () => {
    const scope = createPassScope({ concurrency: 1 });
    scope.noteFailure(new ArchiveError('download', 'retryable', 'truncated', 'short body'));
    scope.noteFailure(new Error('an unexpected error is a failure of its file'));
    expect(scope.hard.aborted).toBe(false);
    const fatal = new ArchiveError('store', 'fatal', 'access-denied', 'denied');
    scope.noteFailure(fatal);
    scope.noteFailure(new ArchiveError('dcs', 'fatal', 'http-401', 'later'));
    expect(scope.fatal()).toBe(fatal);
    expect(scope.stopNew.aborted).toBe(true);
    expect(scope.hard.aborted).toBe(true);
  });

  it('aborts work in flight on a forceful stop', () => {
    const hard = new AbortController();
    const scope = createPassScope({ concurrency: 1, hardSignal: hard.signal });
    hard.abort();
    expect(scope.hard.aborted).toBe(true);
    expect(scope.stopNew.aborted).toBe(false);
  });
});
