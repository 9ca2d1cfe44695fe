import { describe, expect, it } from 'vitest';
import { parseKinds } from '../../../src/commands/events.js';
import { ConfigError } from '../../../src/errors.js';
import { countEvents, EventSummary, summaryText } from '../../../src/read/event-summary.js';
import { eventJson, eventLine, eventWanted } from '../../../src/read/event-timeline.js';
import type { ArchivedFile } from '../../../src/read/select.js';
import type { ArchiveRecord } from '../../../src/records/record.js';
import type { RedisEvent } from '../../../src/redis-log/events.js';

const record = { instanceId: 'inst-1', replicationIp: '10.0.0.5', date: '2026-11-14', fileName: 'redis_10.0.0.5_2026-11-14.log' } as ArchiveRecord;
const day1: ArchivedFile = { record, instanceName: 'orders-cache' };
const day2: ArchivedFile = { record: { ...record, date: '2026-11-15', fileName: 'redis_10.0.0.5_2026-11-15.log' }, instanceName: 'orders-cache' };
const otherReplica: ArchivedFile = { record: { ...record, replicationIp: '10.0.0.6' }, instanceName: 'orders-cache' };
const single: ArchivedFile = { record: { ...record, instanceId: 'inst-2', replicationIp: '' } };

const at = (iso: string) => Date.parse(iso);
const event: RedisEvent = { kind: 'rdb-save-started', timeMs: at('2026-11-14T02:03:04.005Z'), pid: 7, role: 'M', message: 'Background saving started by pid 42' };

describe('events --summary', () => {
  it('adds up the files of one instance and replica per kind, keeping the earliest first and the latest last', () => {
    const summary = new EventSummary();
    summary.add(day2, { 'rdb-save-started': { count: 2, first: '2026-11-15T01:00:00.000Z', last: '2026-11-15T05:00:00.000Z' } });
    summary.add(day1, {
      'rdb-save-started': { count: 3, first: '2026-11-14T01:00:00.000Z', last: '2026-11-14T23:00:00.000Z' },
      startup: { count: 1, first: '2026-11-14T00:00:01.000Z', last: '2026-11-14T00:00:01.000Z' },
    });
    summary.add(otherReplica, { 'rdb-save-started': { count: 1, first: '2026-11-14T03:00:00.000Z', last: '2026-11-14T03:00:00.000Z' } });
    expect(summary.result()).toEqual([
      { instanceId: 'inst-1', instanceName: 'orders-cache', replicationIp: '10.0.0.5', kind: 'rdb-save-started', count: 5, first: '2026-11-14T01:00:00.000Z', last: '2026-11-15T05:00:00.000Z' },
      { instanceId: 'inst-1', instanceName: 'orders-cache', replicationIp: '10.0.0.5', kind: 'startup', count: 1, first: '2026-11-14T00:00:01.000Z', last: '2026-11-14T00:00:01.000Z' },
      { instanceId: 'inst-1', instanceName: 'orders-cache', replicationIp: '10.0.0.6', kind: 'rdb-save-started', count: 1, first: '2026-11-14T03:00:00.000Z', last: '2026-11-14T03:00:00.000Z' },
    ]);
  });

  it('keeps only the kinds asked for, and a file without events adds nothing', () => {
    const summary = new EventSummary(new Set(['startup'] as const));
    summary.add(day1, { 'rdb-save-started': { count: 3, first: '2026-11-14T01:00:00.000Z', last: '2026-11-14T23:00:00.000Z' }, startup: { count: 2, first: '2026-11-14T00:00:01.000Z', last: '2026-11-14T09:00:00.000Z' } });
    summary.add(day2, {});
    expect(summary.result().map((row) => [row.kind, row.count])).toEqual([['startup', 2]]);
  });

  it('counts read events as the record would, and prints a row per line', () => {
    const counts = countEvents([
      { kind: 'shutdown', timeMs: at('2026-11-14T05:00:00Z') },
      { kind: 'shutdown', timeMs: at('2026-11-14T01:00:00Z') },
    ]);
    expect(counts).toEqual({ shutdown: { count: 2, first: '2026-11-14T01:00:00.000Z', last: '2026-11-14T05:00:00.000Z' } });
    const summary = new EventSummary();
    summary.add(single, counts);
    expect(summaryText(summary.result())).toBe('inst-2/node shutdown 2 2026-11-14T01:00:00.000Z 2026-11-14T05:00:00.000Z\n');
  });
});

describe('events timeline', () => {
  it('prints an event as time, instance/replica, kind and message', () => {
    expect(eventLine(day1, event)).toBe('2026-11-14T02:03:04.005Z orders-cache/10.0.0.5 rdb-save-started Background saving started by pid 42\n');
    expect(eventLine(single, event)).toBe('2026-11-14T02:03:04.005Z inst-2/node rdb-save-started Background saving started by pid 42\n');
  });

  it('prints a --json event as one line with exactly the documented keys', () => {
    const line = eventJson(single, event);
    expect(line.endsWith('}\n') && !line.slice(0, -1).includes('\n')).toBe(true);
    expect(JSON.parse(line)).toEqual({ instanceId: 'inst-2', instanceName: null, replicationIp: '', date: '2026-11-14', fileName: 'redis_10.0.0.5_2026-11-14.log', time: '2026-11-14T02:03:04.005Z', kind: 'rdb-save-started', message: 'Background saving started by pid 42' });
  });

  it('keeps an event inside the kinds and the times asked for', () => {
    expect(eventWanted({ window: {} }, event)).toBe(true);
    expect(eventWanted({ window: {}, kinds: new Set(['startup'] as const) }, event)).toBe(false);
    expect(eventWanted({ window: { sinceMs: event.timeMs, untilMs: event.timeMs + 1 } }, event)).toBe(true);
    expect(eventWanted({ window: { untilMs: event.timeMs } }, event)).toBe(false);
    expect(eventWanted({ window: { sinceMs: event.timeMs + 1 } }, event)).toBe(false);
  });

  it('refuses an unknown --kind naming the valid kinds', () => {
    expect(parseKinds(undefined)).toBeUndefined();
    expect([...parseKinds(['crash', 'startup'])!]).toEqual(['crash', 'startup']);
    expect(() => parseKinds(['crash', 'rdb-save'])).toThrow(ConfigError);
    expect(() => parseKinds(['rdb-save'])).toThrow(/--kind: "rdb-save" is no event kind; allowed: role-change, .*rdb-save-started.*crash/);
  });
});
