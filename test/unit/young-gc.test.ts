import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { collectYoungGeneration, v8Gc, youngCollectionEvery } from '../../src/young-gc.js';

/** The kinds of the forced collections V8 reports while `run` runs (and the tick after it); V8's own are left out. */
async function forcedCollectionsDuring(run: () => void): Promise<number[]> {
  const kinds: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as Array<PerformanceEntry & { detail?: { kind?: number; flags?: number } }>) {
      if ((entry.detail?.flags ?? 0) & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) kinds.push(entry.detail?.kind ?? -1);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  run();
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  return kinds;
}

describe('young-generation collection', () => {
  it('gets V8\'s gc function without a command-line flag, and leaves new contexts without it', async () => {
    expect(typeof v8Gc()).toBe('function');
    const { runInNewContext } = await import('node:vm');
    expect(runInNewContext('typeof gc')).toBe('undefined');
  });

  it('runs a minor collection, not a full one', async () => {
    expect(await forcedCollectionsDuring(() => collectYoungGeneration())).toEqual([constants.NODE_PERFORMANCE_GC_MINOR]);
  });
});

describe('youngCollectionEvery', () => {
  it('collects once per given number of bytes read, counting across chunks and calls', () => {
    let collections = 0;
    const read = youngCollectionEvery(100, () => collections++);
    for (const bytes of [40, 40, 19]) read(bytes);
    expect(collections).toBe(0);
    read(1); // 100
    expect(collections).toBe(1);
    read(250); // one chunk larger than the step: one collection, and counting starts over
    expect(collections).toBe(2);
    read(99);
    expect(collections).toBe(2);
  });
});
