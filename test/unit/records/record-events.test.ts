import { describe, expect, it } from 'vitest';
import { parseRecord, recordText, SCHEMA_VERSION, type ArchiveRecord } from '../../../src/records/record.js';

const OLDER: Omit<ArchiveRecord, 'events'> = {
  schemaVersion: SCHEMA_VERSION, projectId: 'p', instanceId: 'inst', logId: 'log-1', fileName: 'redis_10.0.0.1_2026-11-29.log', groupName: 'g',
  replicationIp: '10.0.0.1', date: '2026-11-29', key: 'inst/2026-11-29/redis_10.0.0.1_2026-11-29.log', bytes: 10, storedBytes: 10, sha256: 'a'.repeat(64),
  compression: 'none', partial: false, complete: true, archivedAt: '2026-11-30T03:17:00.000Z', runId: 'run-1', knownLogIds: [],
};
const EVENTS = { 'role-change': { count: 2, first: '2026-11-29T02:00:00.000Z', last: '2026-11-29T02:05:00.000Z' } };

describe('the events of a record', () => {
  it('reads a record written before events were counted, without an events field', () => {
    const parsed = parseRecord(recordText(OLDER as ArchiveRecord));
    expect(parsed).toMatchObject({ logId: 'log-1' });
    expect(parsed).not.toHaveProperty('events');
  });

  it('keeps the counts of a record that has them, and an empty set (counted, nothing found)', () => {
    expect(parseRecord(recordText({ ...OLDER, events: EVENTS }))).toMatchObject({ events: EVENTS });
    expect(parseRecord(recordText({ ...OLDER, events: {} }))).toMatchObject({ events: {} });
  });

  it.each([
    ['an array', []],
    ['an unknown kind', { 'made-up': { count: 1, first: '2026-11-29T02:00:00.000Z', last: '2026-11-29T02:00:00.000Z' } }],
    ['a count that is not a positive integer', { startup: { count: 0.5, first: '2026-11-29T02:00:00.000Z', last: '2026-11-29T02:00:00.000Z' } }],
    ['a time that is not one', { startup: { count: 1, first: 'yesterday-ish', last: '2026-11-29T02:00:00.000Z' } }],
  ])('drops counts that are %s, so they are counted again from the object, and keeps the record', (_what, events) => {
    const parsed = parseRecord(recordText({ ...OLDER, events } as unknown as ArchiveRecord));
    expect(parsed).toMatchObject({ logId: 'log-1' });
    expect(parsed).not.toHaveProperty('events');
  });
});
