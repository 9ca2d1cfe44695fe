import { describe, expect, it } from 'vitest';
import { planCollection, replicaTargets, SINGLE_NODE } from '../../../src/collect/collect.js';
import { computeCoverage } from '../../../src/collect/coverage.js';
import { SCHEMA_VERSION, type ArchiveRecord } from '../../../src/records/record.js';

const TODAY = '2026-11-30';

function record(ip: string, date: string, overrides: Partial<ArchiveRecord> = {}): ArchiveRecord {
  return {
    schemaVersion: SCHEMA_VERSION, projectId: 'p', instanceId: 'i', logId: `${ip}-${date}`, fileName: `redis_${ip}_${date}.log`, groupName: 'g',
    replicationIp: ip, date, key: 'k', bytes: 1, storedBytes: 1, sha256: 'x', compression: 'none', partial: false, complete: true,
    archivedAt: '', runId: 'r', knownLogIds: [], ...overrides,
  };
}

const days = (from: string, to: string) => {
  const out: string[] = [];
  for (let d = new Date(`${from}T00:00:00Z`); d.toISOString().slice(0, 10) <= to; d.setUTCDate(d.getUTCDate() + 1)) out.push(d.toISOString().slice(0, 10));
  return out;
};

describe('planCollection', () => {
  const targets = [{ key: '10.0.0.1', replicationId: 'r1' }, { key: '10.0.0.2', replicationId: 'r2' }];

  it('asks for the smallest period that covers every unsettled day of each replica', () => {
    const settledUpTo = (ip: string, last: string) => days('2026-11-23', last).map((d) => record(ip, d));
    const requests = planCollection({
      targets,
      records: [...settledUpTo('10.0.0.1', '2026-11-28'), ...settledUpTo('10.0.0.2', '2026-11-26')],
      emptyDays: [],
      today: TODAY,
      includeOpenDay: false,
    });
    expect(requests.map((r) => [r.replica.key, r.period, r.days])).toEqual([
      ['10.0.0.1', 1, ['2026-11-29']],
      ['10.0.0.2', 3, ['2026-11-27', '2026-11-28', '2026-11-29']],
    ]);
  });

  it('collects nothing when every closed day is archived complete or confirmed empty', () => {
    const requests = planCollection({
      targets: [targets[0]!],
      records: days('2026-11-25', '2026-11-29').map((d) => record('10.0.0.1', d)),
      emptyDays: [{ replica: '10.0.0.1', date: '2026-11-23', confirmedAt: '', runId: '' }, { replica: '10.0.0.1', date: '2026-11-24', confirmedAt: '', runId: '' }],
      today: TODAY,
      includeOpenDay: false,
    });
    expect(requests).toEqual([]);
  });

  it('collects a day again while its archived file is not known to be complete', () => {
    const requests = planCollection({
      targets: [targets[0]!],
      records: days('2026-11-23', '2026-11-29').map((d) => record('10.0.0.1', d, { complete: d !== '2026-11-29' })),
      emptyDays: [],
      today: TODAY,
      includeOpenDay: false,
    });
    expect(requests.map((r) => [r.period, r.days])).toEqual([[1, ['2026-11-29']]]);
  });

  it('collects today with period 0 when open days are archived', () => {
    const requests = planCollection({ targets: [targets[0]!], records: days('2026-11-23', '2026-11-29').map((d) => record('10.0.0.1', d)), emptyDays: [], today: TODAY, includeOpenDay: true });
    expect(requests.map((r) => [r.period, r.days])).toEqual([[0, [TODAY]]]);
  });

  it('targets active replicas only, and the single node when there are none', () => {
    expect(replicaTargets([
      { id: 'a', ip: '10.0.0.1', groupName: 'g', role: 'master', active: true },
      { id: 'b', ip: '10.0.0.2', groupName: 'g', role: 'slave', active: false },
    ])).toEqual([{ key: '10.0.0.1', replicationId: 'a', groupName: 'g' }]);
    expect(replicaTargets([])).toEqual([{ key: SINGLE_NODE }]);
  });
});

describe('computeCoverage', () => {
  it('marks archived, partial, empty, missing, at-risk and open days, and keeps replicas that are gone', () => {
    const coverage = computeCoverage({
      instanceId: 'i',
      replicas: ['10.0.0.1'],
      records: [record('10.0.0.1', '2026-11-29'), record('10.0.0.1', '2026-11-28', { partial: true }), record('10.0.0.9', '2026-11-27')],
      emptyDays: [{ replica: '10.0.0.1', date: '2026-11-27', confirmedAt: '', runId: '' }],
      logs: [],
      today: TODAY,
    });
    expect(coverage.days).toEqual(days('2026-11-23', TODAY));
    expect(coverage.replicas).toEqual([
      { replica: '10.0.0.1', states: ['at-risk', 'at-risk', 'missing', 'missing', 'empty', 'partial', 'archived', 'open'] },
      { replica: '10.0.0.9', states: ['at-risk', 'at-risk', 'missing', 'missing', 'archived', 'missing', 'missing', 'open'] },
    ]);
    expect(coverage.atRisk).toHaveLength(4);
  });

  it('names the days lost between the last one kept and the window', () => {
    const coverage = computeCoverage({ instanceId: 'i', replicas: ['10.0.0.1'], records: [record('10.0.0.1', '2026-11-19')], emptyDays: [], logs: [], today: TODAY });
    expect(coverage.lost).toEqual(days('2026-11-20', '2026-11-22').map((date) => ({ replica: '10.0.0.1', date })));
  });
});
