import { afterEach, describe, expect, it } from 'vitest';
import { CronSchedule } from '../../../src/schedule/cron.js';

const made: CronSchedule[] = [];
function fires(expression: string, timeZone: string, from: string, to: string): string[] {
  const schedule = new CronSchedule(expression, timeZone);
  made.push(schedule);
  return schedule.between(new Date(from), new Date(to)).map((d) => d.toISOString());
}

afterEach(() => {
  for (const schedule of made.splice(0)) schedule.dispose();
});

describe('cron schedule in a time zone', () => {
  it('fires daily at the wall-clock time of the zone', () => {
    expect(fires('17 3 * * *', 'Asia/Shanghai', '2026-11-29T00:00:00Z', '2026-12-01T00:00:00Z')).toEqual([
      '2026-11-29T19:17:00.000Z',
      '2026-11-30T19:17:00.000Z',
    ]);
  });

  it('does not skip a daily pass whose wall time falls in the spring-forward gap', () => {
    // Europe/Berlin, 29 March 2026: 02:00 CET jumps to 03:00 CEST; 02:30 never happens.
    expect(fires('30 2 * * *', 'Europe/Berlin', '2026-03-27T12:00:00Z', '2026-03-30T12:00:00Z')).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
  });

  it('does not double a daily pass whose wall time happens twice when clocks go back', () => {
    // Europe/Berlin, 25 October 2026: 03:00 CEST goes back to 02:00 CET; 02:30 happens twice.
    expect(fires('30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z', '2026-10-26T12:00:00Z')).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
  });

  it('fires a frequent schedule once per wall time across both transitions, strictly increasing', () => {
    const spring = fires('*/30 * * * *', 'Europe/Berlin', '2026-03-29T00:00:00Z', '2026-03-29T02:00:00Z');
    expect(spring).toEqual(['2026-03-29T00:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-29T01:30:00.000Z', '2026-03-29T02:00:00.000Z']);
    const autumn = fires('*/30 * * * *', 'Europe/Berlin', '2026-10-24T23:00:00Z', '2026-10-25T02:00:00Z');
    expect(new Set(autumn).size).toBe(autumn.length);
    expect([...autumn].sort()).toEqual(autumn);
  });

  it('handles a zone with a half-hour shift and the southern hemisphere', () => {
    // Australia/Lord_Howe moves by 30 minutes; 5 April 2026 02:00 goes back to 01:30.
    const lordHowe = fires('45 1 * * *', 'Australia/Lord_Howe', '2026-04-03T00:00:00Z', '2026-04-06T00:00:00Z');
    expect(lordHowe).toHaveLength(3);
    const sydney = fires('0 3 * * *', 'Australia/Sydney', '2026-10-03T00:00:00Z', '2026-10-06T00:00:00Z');
    expect(sydney).toHaveLength(3);
  });

  it('supports six-field expressions with seconds', () => {
    expect(fires('*/20 * * * * *', 'UTC', '2026-11-30T00:00:00Z', '2026-11-30T00:01:00Z')).toEqual([
      '2026-11-30T00:00:20.000Z',
      '2026-11-30T00:00:40.000Z',
      '2026-11-30T00:01:00.000Z',
    ]);
  });
});
