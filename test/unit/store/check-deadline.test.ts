import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { CHECK_DEADLINE_CAP_MS, checkDeadlineMs } from '../../../src/store/check-deadline.js';

describe('the start-of-pass check deadline', () => {
  it('is at most 30 s at the default destination timeouts', () => {
    const { destination } = configSchema.parse({ destination: { url: 's3://team-logs/dcs-runlogs/' } });
    expect(destination.timeouts).toEqual({ connectSeconds: 10, requestSeconds: 60 });
    const deadline = checkDeadlineMs({ connectMs: destination.timeouts.connectSeconds * 1000, requestMs: destination.timeouts.requestSeconds * 1000 });
    expect(deadline).toBeLessThanOrEqual(30_000);
  });

  it('is one connect and one request when they are shorter than the cap', () => {
    expect(checkDeadlineMs({ connectMs: 2_000, requestMs: 2_000 })).toBe(4_000);
  });

  it('never exceeds the cap, whatever the timeouts', () => {
    expect(checkDeadlineMs({ connectMs: 300_000, requestMs: 3_600_000 })).toBe(CHECK_DEADLINE_CAP_MS);
  });
});
