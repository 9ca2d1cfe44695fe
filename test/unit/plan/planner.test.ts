import { describe, expect, it } from 'vitest';
import type { RunLog } from '../../../src/dcs/types.js';
import { dayIn } from '../../../src/calendar.js';
import { planInstance, type PlanInput } from '../../../src/plan/planner.js';
import { recordKey } from '../../../src/records/layout.js';
import { identityOf, SCHEMA_VERSION, type ArchiveRecord } from '../../../src/records/record.js';

const NOW = new Date('2026-11-30T03:17:00Z');
const INSTANCE = 'inst-1';

function log(id: string, date: string, overrides: Partial<RunLog> = {}): RunLog {
  return { id, fileName: `redis_10.0.0.1_${date}.log`, groupName: 'group-0', replicationIp: '10.0.0.1', status: 'succeed', date, ...overrides };
}

function record(logId: string, date: string, bytes: number, overrides: Partial<ArchiveRecord> = {}): ArchiveRecord {
  return {
    schemaVersion: SCHEMA_VERSION, projectId: 'p', instanceId: INSTANCE, logId, fileName: `redis_10.0.0.1_${date}.log`,
    groupName: 'group-0', replicationIp: '10.0.0.1', date, key: `${INSTANCE}/${date}/redis_10.0.0.1_${date}.log`,
    bytes, storedBytes: bytes, sha256: 'x', compression: 'none', partial: false, archivedAt: NOW.toISOString(), runId: 'r', knownLogIds: [], complete: false,
    ...overrides,
  };
}

function plan(logs: RunLog[], options: { records?: ArchiveRecord[]; sizes?: Record<string, number>; includeOpenDay?: boolean; timeZone?: string; probeFailed?: string[] } = {}) {
  const input: PlanInput = {
    projectId: 'p', instance: { id: INSTANCE, name: 'orders' }, logs, malformed: [],
    records: new Map((options.records ?? []).map((r) => [identityOf(r), r])), today: dayIn(NOW, options.timeZone ?? 'UTC'), timeZone: options.timeZone ?? 'UTC',
    includeOpenDay: options.includeOpenDay ?? false, keyTemplate: '{instanceId}/{date}/{fileName}', compression: 'none',
    sizes: new Map(Object.entries(options.sizes ?? {})), probeFailed: new Set(options.probeFailed ?? []),
  };
  return planInstance(input);
}

const reasons = (p: ReturnType<typeof plan>) => p.skip.map((s) => `${s.logId}:${s.reason}`).sort();

describe('planInstance', () => {
  it('archives a ready file of a closed day at its deterministic key', () => {
    const p = plan([log('a', '2026-11-29')]);
    expect(p.archive.map((f) => [f.log.id, f.key, f.partial])).toEqual([
      ['a', 'inst-1/2026-11-29/redis_10.0.0.1_2026-11-29.log', false],
    ]);
    expect(p.probe).toEqual([]);
  });

  it('skips files that are not ready or failed at source, saying which', () => {
    const p = plan([log('a', '2026-11-28', { status: 'creating' }), log('b', '2026-11-27', { status: 'failed' })]);
    expect(p.archive).toEqual([]);
    expect(reasons(p)).toEqual(['a:not-ready', 'b:failed-at-source']);
  });

  it('leaves today alone unless includeOpenDay, and then marks the file partial', () => {
    expect(reasons(plan([log('a', '2026-11-30')]))).toEqual(['a:day-open']);
    const p = plan([log('a', '2026-11-30')], { includeOpenDay: true });
    expect(p.archive.map((f) => [f.log.id, f.partial])).toEqual([['a', true]]);
  });

  it('judges the open day in the configured time zone', () => {
    // 03:17 UTC on the 30th is still the 29th in New York.
    expect(reasons(plan([log('a', '2026-11-29')], { timeZone: 'America/New_York' }))).toEqual(['a:day-open']);
    expect(plan([log('a', '2026-11-29')], { timeZone: 'Asia/Shanghai' }).archive).toHaveLength(1);
  });

  it('skips a file already recorded under the same listing id without probing', () => {
    const p = plan([log('a', '2026-11-29')], { records: [record('a', '2026-11-29', 100)] });
    expect(p.archive).toEqual([]);
    expect(p.probe).toEqual([]);
    expect(reasons(p)).toEqual(['a:already-archived']);
  });

  it('asks for sizes when several ready items share a file, then archives the largest and reports the rest superseded', () => {
    const logs = [log('a', '2026-11-29'), log('b', '2026-11-29'), log('c', '2026-11-29')];
    expect(plan(logs).probe.map((l) => l.id)).toEqual(['a', 'b', 'c']);
    const p = plan(logs, { sizes: { a: 10, b: 30, c: 20 } });
    expect(p.archive.map((f) => [f.log.id, f.expectedBytes, f.knownLogIds.sort()])).toEqual([['b', 30, ['a', 'c']]]);
    expect(reasons(p)).toEqual(['a:superseded', 'c:superseded']);
  });

  it('replaces an archived file when a re-collection holds more bytes', () => {
    const archived = record('a', '2026-11-29', 100);
    const logs = [log('a', '2026-11-29'), log('b', '2026-11-29')];
    expect(plan(logs, { records: [archived] }).probe.map((l) => l.id)).toEqual(['b']);
    const p = plan(logs, { records: [archived], sizes: { b: 150 } });
    expect(p.archive.map((f) => [f.log.id, f.replaces?.logId, f.knownLogIds])).toEqual([['b', 'a', ['a']]]);
  });

  it('keeps an archived file when a re-collection is no larger, and remembers the new id so it is not probed again', () => {
    const archived = record('a', '2026-11-29', 100);
    const logs = [log('a', '2026-11-29'), log('b', '2026-11-29')];
    const p = plan(logs, { records: [archived], sizes: { b: 100 } });
    expect(p.archive).toEqual([]);
    expect(p.acknowledge).toEqual([{ record: archived, logIds: ['b'], complete: false }]);
    const again = plan(logs, { records: [{ ...archived, knownLogIds: ['b'] }] });
    expect(again.probe).toEqual([]);
    expect(reasons(again)).toEqual(['a:already-archived', 'b:already-archived']);
  });

  it('completes a partial file once its day has closed, even at equal size', () => {
    const partial = record('a', '2026-11-29', 100, { partial: true });
    const p = plan([log('a', '2026-11-29'), log('b', '2026-11-29')], { records: [partial], sizes: { b: 100 } });
    expect(p.archive.map((f) => [f.log.id, f.partial])).toEqual([['b', false]]);
  });

  it('does not archive a partial file again while no re-collection exists', () => {
    const partial = record('a', '2026-11-29', 100, { partial: true });
    const p = plan([log('a', '2026-11-29')], { records: [partial] });
    expect(p.archive).toEqual([]);
    expect(p.probe).toEqual([]);
    expect(reasons(p)).toEqual(['a:already-archived']);
  });

  it('leaves out items whose probe failed and chooses among the rest', () => {
    const p = plan([log('a', '2026-11-29'), log('b', '2026-11-29')], { sizes: { a: 5 }, probeFailed: ['b'] });
    expect(p.archive.map((f) => f.log.id)).toEqual(['a']);
    expect(p.probe).toEqual([]);
  });

  it('reports malformed items and plans the rest', () => {
    const input: PlanInput = {
      projectId: 'p', instance: { id: INSTANCE }, logs: [log('a', '2026-11-29')], malformed: [{ problem: 'missing file_name', raw: '{"id":"x"}' }],
      records: new Map(), today: dayIn(NOW, 'UTC'), timeZone: 'UTC', includeOpenDay: false, keyTemplate: '{instanceId}/{date}/{fileName}', compression: 'gzip', sizes: new Map(),
    };
    const p = planInstance(input);
    expect(p.archive.map((f) => f.key)).toEqual(['inst-1/2026-11-29/redis_10.0.0.1_2026-11-29.log.gz']);
    expect(p.skip).toEqual([{ logId: '', fileName: '', date: '', reason: 'malformed', detail: 'missing file_name: {"id":"x"}' }]);
  });

  it('gives hostile file names safe, distinct keys inside the prefix', () => {
    const names = ['../../etc/passwd', '/abs/path.log', 'a%2Fb.log', 'ctl\u0001\u0007.log', 'x'.repeat(1000), '..', '.', 'a/b.log', 'a_b.log', 'caf\u00e9.log', 'cafe\u0301.log', '\ud800bad.log'];
    const p = plan(names.map((fileName, i) => log(`id${i}`, '2026-11-29', { fileName })));
    const keys = p.archive.map((f) => f.key);
    expect(new Set(keys).size).toBe(names.length);
    for (const key of [...keys, ...p.archive.map((f) => recordKey(INSTANCE, f.log.date, f.log.fileName))]) {
      expect(key.split('/').every((s) => s !== '' && s !== '.' && s !== '..')).toBe(true);
      expect(key).toMatch(/^[A-Za-z0-9._/-]+$/);
      expect(key.length).toBeLessThan(400);
    }
    expect(keys).toContain('inst-1/2026-11-29/a_b.log');
  });
});
