import { describe, expect, it } from 'vitest';
import { Metrics } from '../../src/metrics.js';

describe('dcs_archiver_redis_events_total', () => {
  it('adds the event counts of each archived file by kind', async () => {
    const metrics = new Metrics({ version: '1', node: 'v1' });
    const archived = { type: 'file-archived', instanceId: 'i', fileName: 'f', logId: 'l', key: 'k', bytes: 1, storedBytes: 1, sha256: 's', ms: 1, partial: false, replaced: false } as const;
    const at = '2026-11-14T02:00:00.000Z';
    metrics.handle({ ...archived, events: { 'role-change': { count: 2, first: at, last: at }, startup: { count: 1, first: at, last: at } } });
    metrics.handle({ ...archived, events: { 'role-change': { count: 3, first: at, last: at } } });
    metrics.handle({ ...archived });
    const text = await metrics.text();
    expect(text).toContain('dcs_archiver_redis_events_total{kind="role-change"} 5');
    expect(text).toContain('dcs_archiver_redis_events_total{kind="startup"} 1');
  });
});
