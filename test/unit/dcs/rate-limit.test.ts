import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../../src/dcs/rate-limit.js';

function limiter(rate: number) {
  let now = 0;
  const waits: number[] = [];
  const l = new RateLimiter({
    ratePerSecond: rate,
    now: () => now,
    sleep: async (ms) => {
      waits.push(ms);
      now += ms;
    },
  });
  return { l, waits, advance: (ms: number) => (now += ms) };
}

describe('RateLimiter', () => {
  it('spaces requests 1/rate apart and lets the first go at once', async () => {
    const { l, waits } = limiter(10);
    for (let i = 0; i < 4; i++) await l.acquire();
    expect(waits).toEqual([100, 100, 100]);
  });

  it('halves the rate on each 429, down to its floor, and recovers a tenth of the ceiling per second', async () => {
    const { l, advance } = limiter(10);
    l.penalize();
    expect(l.currentRate()).toBe(5);
    l.penalize();
    l.penalize();
    expect(l.currentRate()).toBe(1.25);
    for (let i = 0; i < 20; i++) l.penalize();
    expect(l.currentRate()).toBe(0.2);
    advance(2000);
    expect(l.currentRate()).toBeCloseTo(2.2);
    advance(60_000);
    expect(l.currentRate()).toBe(10);
  });

  it('spaces requests further apart after a 429', async () => {
    const { l, waits } = limiter(10);
    await l.acquire();
    l.penalize();
    await l.acquire();
    await l.acquire();
    expect(waits[1]).toBeGreaterThan(waits[0]!);
  });
});
