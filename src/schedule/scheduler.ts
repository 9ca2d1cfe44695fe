import { CronSchedule, formatWall, wallAt, type Wall } from './cron.js';

export interface Timer {
  cancel(): void;
}

export interface SchedulerOptions {
  schedule: CronSchedule;
  /** One pass. The scheduler never starts a second while one runs. */
  runPass: (reason: 'start' | 'schedule') => Promise<void>;
  runOnStart: boolean;
  /** A random pause of 0..this before each scheduled pass. */
  maxRandomDelayMs: number;
  now: () => Date;
  setTimer: (ms: number, fn: () => void) => Timer;
  random: () => number;
  /** A tick that came while a pass was still running, and was dropped. */
  onSkip: (wall: string) => void;
  onError: (error: unknown) => void;
}

// Timers longer than this are re-armed, so a long wait survives setTimeout's 24.8-day limit
// and a clock change is noticed within the hour.
const MAX_TIMER_MS = 3_600_000;

/**
 * Fires passes on a cron schedule in a time zone. A tick during a pass is skipped and told;
 * after a suspension or downtime the missed ticks collapse into one pass, not a burst.
 */
export function startScheduler(options: SchedulerOptions) {
  let timer: Timer | undefined;
  let current: Promise<void> | undefined;
  let cancelDelay: (() => void) | undefined;
  let stopped = false;
  let lastWall: Wall = wallAt(options.now(), options.schedule.timeZone);
  let lastAt: Date = options.now();

  const start = (reason: 'start' | 'schedule', delayMs: number) => {
    if (current) return false;
    current = (async () => {
      if (delayMs > 0) {
        await new Promise<void>((resolve) => {
          const delay = options.setTimer(delayMs, resolve);
          cancelDelay = () => {
            delay.cancel();
            resolve();
          };
        });
        cancelDelay = undefined;
      }
      if (!stopped) await options.runPass(reason);
    })()
      .catch(options.onError)
      .finally(() => {
        current = undefined;
      });
    return true;
  };

  const arm = () => {
    if (stopped) return;
    const now = options.now();
    const next = options.schedule.next(lastWall, lastAt > now ? lastAt : now);
    if (!next) return;
    const wait = next.at.getTime() - now.getTime();
    timer = options.setTimer(Math.min(Math.max(wait, 0), MAX_TIMER_MS), () => {
      if (stopped) return;
      if (options.now() < next.at) return arm(); // woke early, or a re-arm of a long wait
      lastWall = next.wall;
      lastAt = next.at;
      if (!start('schedule', Math.floor(options.random() * options.maxRandomDelayMs))) options.onSkip(formatWall(next.wall));
      arm();
    });
  };

  if (options.runOnStart) start('start', 0);
  arm();

  return {
    /** Whether a pass is running now. */
    busy: () => current !== undefined,
    /** The next firing, for logs. */
    next: () => options.schedule.next(lastWall, lastAt)?.at,
    /** No new passes; resolves when the running one (if any) has ended. */
    stop: async () => {
      stopped = true;
      timer?.cancel();
      cancelDelay?.();
      await current;
    },
  };
}

export const realTimers = {
  setTimer: (ms: number, fn: () => void): Timer => {
    const handle = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(handle) };
  },
};
