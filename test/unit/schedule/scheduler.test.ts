import { describe, expect, it } from 'vitest';
import { CronSchedule } from '../../../src/schedule/cron.js';
import { startScheduler, type Timer } from '../../../src/schedule/scheduler.js';

/** A controllable clock whose timers fire as time is advanced. */
class FakeClock {
  private timers: Array<{ at: number; fn: () => void; cancelled: boolean }> = [];
  constructor(public ms: number) {}
  now = () => new Date(this.ms);
  setTimer = (delay: number, fn: () => void): Timer => {
    const timer = { at: this.ms + delay, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => (timer.cancelled = true) };
  };
  async advanceTo(target: number): Promise<void> {
    for (;;) {
      const due = this.timers.filter((t) => !t.cancelled && t.at <= target).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.ms = Math.max(this.ms, due.at);
      due.cancelled = true;
      due.fn();
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.ms = target;
  }
}

const T0 = Date.parse('2026-11-30T10:00:30Z');

describe('scheduler', () => {
  it('runs a pass each minute on an every-minute schedule', async () => {
    const clock = new FakeClock(T0);
    const starts: string[] = [];
    const scheduler = startScheduler({
      schedule: new CronSchedule('* * * * *', 'UTC'),
      runPass: async () => void starts.push(clock.now().toISOString()),
      runOnStart: false,
      maxRandomDelayMs: 0,
      now: clock.now,
      setTimer: clock.setTimer,
      random: () => 0,
      onSkip: () => undefined,
      onError: (error) => {
        throw error;
      },
    });
    await clock.advanceTo(T0 + 3 * 60_000);
    await scheduler.stop();
    expect(starts).toEqual(['2026-11-30T10:01:00.000Z', '2026-11-30T10:02:00.000Z', '2026-11-30T10:03:00.000Z']);
  });

  it('skips ticks while a pass runs longer than a minute, and never runs two at once', async () => {
    const clock = new FakeClock(T0);
    let running = 0;
    let maxRunning = 0;
    const starts: number[] = [];
    const skipped: string[] = [];
    const scheduler = startScheduler({
      schedule: new CronSchedule('* * * * *', 'UTC'),
      runPass: async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        starts.push(clock.ms);
        // Each pass lasts 150 s of the fake clock.
        await new Promise<void>((resolve) => clock.setTimer(150_000, resolve));
        running -= 1;
      },
      runOnStart: true,
      maxRandomDelayMs: 0,
      now: clock.now,
      setTimer: clock.setTimer,
      random: () => 0,
      onSkip: (wall) => skipped.push(wall),
      onError: (error) => {
        throw error;
      },
    });
    await clock.advanceTo(T0 + 10 * 60_000);
    const stopped = scheduler.stop();
    await clock.advanceTo(T0 + 15 * 60_000);
    await stopped;
    expect(maxRunning).toBe(1);
    expect(starts.map((ms) => new Date(ms).toISOString())).toEqual([
      '2026-11-30T10:00:30.000Z',
      '2026-11-30T10:03:00.000Z',
      '2026-11-30T10:06:00.000Z',
      '2026-11-30T10:09:00.000Z',
    ]);
    expect(skipped).toEqual(['2026-11-30 10:01:00', '2026-11-30 10:02:00', '2026-11-30 10:04:00', '2026-11-30 10:05:00', '2026-11-30 10:07:00', '2026-11-30 10:08:00', '2026-11-30 10:10:00']);
  });

  it('collapses ticks missed during a suspension into one pass', async () => {
    const clock = new FakeClock(T0);
    const starts: number[] = [];
    const scheduler = startScheduler({
      schedule: new CronSchedule('* * * * *', 'UTC'),
      runPass: async () => void starts.push(clock.ms),
      runOnStart: false,
      maxRandomDelayMs: 0,
      now: clock.now,
      setTimer: clock.setTimer,
      random: () => 0,
      onSkip: () => undefined,
      onError: () => undefined,
    });
    // The process sleeps through ten ticks; its armed timer fires late, once.
    clock.ms = T0 + 10 * 60_000 + 5_000;
    await clock.advanceTo(T0 + 10 * 60_000 + 10_000);
    await scheduler.stop();
    expect(starts).toEqual([T0 + 10 * 60_000 + 5_000]);
  });

  it('waits the random delay before a scheduled pass and stops without starting new ones', async () => {
    const clock = new FakeClock(T0);
    const starts: number[] = [];
    const scheduler = startScheduler({
      schedule: new CronSchedule('* * * * *', 'UTC'),
      runPass: async () => void starts.push(clock.ms),
      runOnStart: false,
      maxRandomDelayMs: 20_000,
      now: clock.now,
      setTimer: clock.setTimer,
      random: () => 0.5,
      onSkip: () => undefined,
      onError: () => undefined,
    });
    await clock.advanceTo(T0 + 90_000);
    expect(starts).toEqual([Date.parse('2026-11-30T10:01:10Z')]);
    await scheduler.stop();
    await clock.advanceTo(T0 + 10 * 60_000);
    expect(starts).toHaveLength(1);
  });
});
