import { AbortedError } from '../errors.js';

export interface RateLimiterOptions {
  /** Requests per second when nothing pushes back. */
  ratePerSecond: number;
  /** Never slower than this, however many 429s come. */
  minRatePerSecond?: number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * One client-side limit for every DCS call of the process, shared by all instances. Each 429
 * halves the rate; it climbs back by a tenth of the ceiling per second without one (AIMD), so
 * a throttled gateway sees the request rate fall instead of a retry storm.
 */
export class RateLimiter {
  private rate: number;
  private readonly ceiling: number;
  private readonly floor: number;
  private nextSlot = 0;
  private lastPenalty = 0;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(options: RateLimiterOptions) {
    this.ceiling = options.ratePerSecond;
    this.floor = Math.min(options.minRatePerSecond ?? 0.2, options.ratePerSecond);
    this.rate = options.ratePerSecond;
    this.now = options.now ?? Date.now;
    this.sleep =
      options.sleep ??
      ((ms, signal) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, ms);
          signal?.addEventListener('abort', () => (clearTimeout(timer), reject(new AbortedError())), { once: true });
        }));
  }

  /** The current rate, for logs and tests. */
  currentRate(): number {
    this.recover();
    return this.rate;
  }

  /** Waits for this request's slot. Slots are handed out in order, spaced 1/rate apart. */
  async acquire(signal?: AbortSignal): Promise<void> {
    this.recover();
    const now = this.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + 1000 / this.rate;
    if (slot > now) await this.sleep(slot - now, signal);
  }

  /** The far side said 429: halve the rate. */
  penalize(): void {
    this.recover();
    this.rate = Math.max(this.floor, this.rate / 2);
    this.lastPenalty = this.now();
  }

  private recover(): void {
    if (this.rate >= this.ceiling) return;
    const seconds = (this.now() - Math.max(this.lastPenalty, 0)) / 1000;
    if (seconds <= 0) return;
    this.rate = Math.min(this.ceiling, this.rate + (this.ceiling / 10) * seconds);
    this.lastPenalty = this.now();
  }
}
