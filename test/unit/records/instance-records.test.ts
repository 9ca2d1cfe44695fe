import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordKey } from '../../../src/plan/keys.js';
import { loadInstanceRecords, rebuildManifest } from '../../../src/records/instance-records.js';
import { recordText, SCHEMA_VERSION, type ArchiveRecord } from '../../../src/records/record.js';
import { createFileStore } from '../../../src/store/file-store.js';

function record(runId: string): ArchiveRecord {
  return {
    schemaVersion: SCHEMA_VERSION, projectId: 'p', instanceId: 'inst', logId: 'log-1', fileName: 'redis_10.0.0.1_2026-11-29.log', groupName: 'g',
    replicationIp: '10.0.0.1', date: '2026-11-29', key: 'inst/2026-11-29/redis_10.0.0.1_2026-11-29.log', bytes: 10, storedBytes: 10, sha256: 'a'.repeat(64),
    compression: 'none', partial: false, complete: true, archivedAt: '2026-11-30T03:17:00.000Z', runId, knownLogIds: [],
  };
}

describe('instance records', () => {
  it('vouches for records by the manifest in two requests, and reads a record another runner rewrote, even at the same size', async () => {
    const store = createFileStore({ root: await mkdtemp(join(tmpdir(), 'archiver-records-')) });
    const key = recordKey('inst', '2026-11-29', 'redis_10.0.0.1_2026-11-29.log');
    await store.put(key, recordText(record('run-aaaaaa')));
    await rebuildManifest({ store, projectId: 'p', instanceId: 'inst', stamped: new Map(), now: new Date() });

    const steady = await loadInstanceRecords({ store, instanceId: 'inst', sinceDate: '2026-11-23' });
    expect(steady.stale).toBe(false);
    expect([...steady.byIdentity.values()].map((r) => r.runId)).toEqual(['run-aaaaaa']);

    // Another runner writes the same record again: same length, other content, maybe the same second.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await store.put(key, recordText(record('run-bbbbbb')));
    const after = await loadInstanceRecords({ store, instanceId: 'inst', sinceDate: '2026-11-23' });
    expect(after.stale).toBe(true);
    expect([...after.byIdentity.values()].map((r) => r.runId)).toEqual(['run-bbbbbb']);
    const rebuilt = await rebuildManifest({ store, projectId: 'p', instanceId: 'inst', stamped: after.stamped, now: new Date() });
    expect(rebuilt.entries.map((r) => r.runId)).toEqual(['run-bbbbbb']);
    expect((await loadInstanceRecords({ store, instanceId: 'inst', sinceDate: '2026-11-23' })).stale).toBe(false);
    await store.close();
  });
});
