import { describe, expect, it } from 'vitest';
import { parseRecord, type ArchiveRecord } from '../../../src/records/record.js';
import { compareManifest } from '../../../src/verify/compare-manifest.js';

const MANIFEST = 'manifests/i-1.json';

function record(fileName: string, extra: Partial<ArchiveRecord> = {}): ArchiveRecord {
  const parsed = parseRecord(
    JSON.stringify({
      schemaVersion: 1,
      projectId: 'p',
      instanceId: 'i-1',
      logId: `log-${fileName}`,
      fileName,
      groupName: 'g',
      replicationIp: '10.0.0.1',
      date: '2025-01-02',
      key: `i-1/2025-01-02/${fileName}`,
      bytes: 10,
      storedBytes: 10,
      sha256: 'a'.repeat(64),
      compression: 'none',
      partial: false,
      archivedAt: '2025-01-03T00:00:00.000Z',
      runId: 'run-1',
      knownLogIds: [],
      ...extra,
    }),
  );
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
}

const recordKeyOf = (fileName: string) => `records/i-1/2025-01-02/${fileName}.json`;

describe('compareManifest', () => {
  it('finds nothing when the entries are the records, in any order', () => {
    expect(compareManifest(MANIFEST, [record('b.log'), record('a.log')], [record('a.log'), record('b.log')])).toEqual([]);
  });

  it('finds nothing for an instance with neither entries nor records', () => {
    expect(compareManifest(MANIFEST, [], [])).toEqual([]);
  });

  it('reports a record the manifest lacks', () => {
    expect(compareManifest(MANIFEST, [record('a.log')], [record('a.log'), record('b.log')])).toEqual([
      { kind: 'manifest-missing-entry', key: MANIFEST, instanceId: 'i-1', record: recordKeyOf('b.log') },
    ]);
  });

  it('reports an entry without a record', () => {
    expect(compareManifest(MANIFEST, [record('a.log'), record('gone.log')], [record('a.log')])).toEqual([
      { kind: 'manifest-extra-entry', key: MANIFEST, instanceId: 'i-1', record: recordKeyOf('gone.log'), detail: 'no record for this entry' },
    ]);
  });

  it('reports a second entry for the same file as extra', () => {
    expect(compareManifest(MANIFEST, [record('a.log'), record('a.log', { logId: 'other' })], [record('a.log')])).toEqual([
      expect.objectContaining({ kind: 'manifest-extra-entry', detail: 'a second entry for the same file' }),
    ]);
  });

  it('names every field in which an entry differs from its record', () => {
    const entry = record('a.log', { storedBytes: 11, partial: true, knownLogIds: ['x'] });
    expect(compareManifest(MANIFEST, [entry], [record('a.log')])).toEqual([
      { kind: 'manifest-differs', key: MANIFEST, instanceId: 'i-1', record: recordKeyOf('a.log'), fields: ['knownLogIds', 'partial', 'storedBytes'] },
    ]);
  });

  it('matches a file by its identity, not its listing id: a re-archived file differs rather than being missing', () => {
    const problems = compareManifest(MANIFEST, [record('a.log', { logId: 'old' })], [record('a.log', { logId: 'new' })]);
    expect(problems).toEqual([expect.objectContaining({ kind: 'manifest-differs', fields: ['logId'] })]);
  });

  it('treats a field left out of an old entry like parseRecord does, as its default', () => {
    const { knownLogIds: _dropped, ...old } = record('a.log');
    const entry = parseRecord(JSON.stringify(old));
    expect(typeof entry).toBe('object');
    expect(compareManifest(MANIFEST, [entry as ArchiveRecord], [record('a.log')])).toEqual([]);
  });
});

describe('compareManifest under a retention', () => {
  const expired = record('old.log');
  const kept = record('new.log');

  it('accepts a manifest that dropped a record whose object expired, and one that still holds it', () => {
    const retention = { objectExpired: (r: ArchiveRecord) => r.fileName === 'old.log' };
    expect(compareManifest(MANIFEST, [kept], [kept, expired], retention)).toEqual([]);
    expect(compareManifest(MANIFEST, [kept, expired], [kept, expired], retention)).toEqual([]);
    expect(compareManifest(MANIFEST, [kept], [kept, expired]).map((p) => p.kind)).toEqual(['manifest-missing-entry']);
  });

  it('accepts an entry past the retention whose record a lifecycle rule removed too, and no other entry without a record', () => {
    const retention = { pastRetention: (r: ArchiveRecord) => r.fileName === 'old.log' };
    expect(compareManifest(MANIFEST, [kept, expired], [kept], retention)).toEqual([]);
    expect(compareManifest(MANIFEST, [kept, expired], [expired], retention).map((p) => [p.kind, p.record])).toEqual([['manifest-extra-entry', recordKeyOf('new.log')]]);
  });
});
