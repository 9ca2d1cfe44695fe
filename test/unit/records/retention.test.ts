import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { oldestKeptDay, pastRetention } from '../../../src/records/retention.js';

describe('the retention', () => {
  const now = new Date('2026-12-01T12:00:00.000Z');

  it('counts from the record’s archivedAt, as a lifecycle rule counts from the object’s creation', () => {
    expect(pastRetention({ archivedAt: '2026-10-31T11:00:00.000Z' }, now, 30)).toBe(true);
    expect(pastRetention({ archivedAt: '2026-11-01T13:00:00.000Z' }, now, 30)).toBe(false);
    expect(pastRetention({ archivedAt: '2000-01-01T00:00:00.000Z' }, now, null)).toBe(false);
  });

  it('keeps every day without one, and the last N days with one', () => {
    expect(oldestKeptDay('2026-12-01', null)).toBeUndefined();
    expect(oldestKeptDay('2026-12-01', 30)).toBe('2026-11-01');
  });

  it('defaults to forever and must outlast DCS’s own 7 days, so a file DCS still lists never expired', () => {
    const parse = (retentionDays?: unknown) => configSchema.safeParse({ destination: { url: 's3://bucket/p/', ...(retentionDays === undefined ? {} : { retentionDays }) } });
    expect(parse().data?.destination.retentionDays).toBeNull();
    expect(parse(8).success).toBe(true);
    expect(parse(7).success).toBe(false);
  });
});
