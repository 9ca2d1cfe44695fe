import { describe, expect, it } from 'vitest';
import { formatBytes, formatRunReport } from '../../../src/read/report-text.js';
import { buildRunReport, type InstanceReport } from '../../../src/records/run-report.js';

const instance: InstanceReport = {
  instanceId: 'inst-1',
  name: 'orders-cache',
  projectId: 'p1',
  archived: [{ fileName: 'a.log', logId: 'l1', date: '2026-11-13', key: 'inst-1/2026-11-13/a.log', bytes: 2048, storedBytes: 2048, sha256: 'x', partial: false, replaced: false }],
  skipped: [{ fileName: 'b.log', logId: 'l2', date: '2026-11-14', reason: 'day-open' }],
  failed: [{ fileName: 'c.log', logId: 'l3', date: '2026-11-12', source: 'download', kind: 'file', reason: 'download.truncated', message: 'got 10 of 20 bytes' }],
  coverage: { instanceId: 'inst-1', days: [], replicas: [], atRisk: [{ replica: '10.0.0.5', date: '2026-11-08' }], lost: [] },
};

describe('formatRunReport', () => {
  it('says what was archived, skipped and failed, with reasons, and the days at risk', () => {
    const report = buildRunReport({ runId: 'r1', startedAt: new Date('2026-11-14T03:17:00Z'), finishedAt: new Date('2026-11-14T03:17:12.5Z'), dryRun: false, instances: [instance, { instanceId: 'inst-2', projectId: 'p1', archived: [], skipped: [], failed: [] }] });
    const text = formatRunReport(report);
    expect(text.split('\n')).toEqual([
      'run r1: partial, 2026-11-14T03:17:00.000Z .. 2026-11-14T03:17:12.500Z (12.5 s)',
      '2 instance(s): archived 1 file(s) (2.0 KiB, stored 2.0 KiB), skipped 1 (day-open 1), failed 1, deferred 0, days at risk 1',
      '',
      'orders-cache (inst-1), project p1',
      '  archived  2026-11-13  a.log  2.0 KiB  inst-1/2026-11-13/a.log',
      '  failed  2026-11-12  c.log  download.truncated: got 10 of 20 bytes',
      '  skipped  2026-11-14  b.log  day-open',
      '  AT RISK  10.0.0.5  2026-11-08  missing, and DCS deletes it within 2 days',
      '',
      'inst-2, project p1',
      '  nothing to do',
      '',
    ]);
  });

  it('says why a pass stopped', () => {
    const report = buildRunReport({ runId: 'r2', startedAt: new Date(0), finishedAt: new Date(1000), dryRun: false, instances: [], fatal: { source: 'store', kind: 'fatal', reason: 'store.denied', message: 'access denied' } });
    expect(formatRunReport(report)).toContain('the pass stopped: store.denied: access denied');
  });

  it('prints sizes in binary units', () => {
    expect([0, 1023, 1024, 5 * 1024 * 1024, 3 * 1024 ** 3].map(formatBytes)).toEqual(['0 B', '1023 B', '1.0 KiB', '5.0 MiB', '3.0 GiB']);
  });
});
