import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArchiveError } from '../../../src/errors.js';
import { createBook, loadInstanceRecords, rebuildManifest } from '../../../src/records/book.js';
import { recordKey, runReportKey } from '../../../src/records/layout.js';
import type { RunReport } from '../../../src/records/run-report.js';
import type { BucketStore } from '../../../src/store/store.js';
import { recordText, SCHEMA_VERSION, type ArchiveRecord } from '../../../src/records/record.js';
import { createFileStore } from '../../../src/store/file-store.js';

function record(runId: string): ArchiveRecord {
  return {
    schemaVersion: SCHEMA_VERSION, projectId: 'p', instanceId: 'inst', logId: 'log-1', fileName: 'redis_10.0.0.1_2026-11-29.log', groupName: 'g',
    replicationIp: '10.0.0.1', date: '2026-11-29', key: 'inst/2026-11-29/redis_10.0.0.1_2026-11-29.log', bytes: 10, storedBytes: 10, sha256: 'a'.repeat(64),
    compression: 'none', partial: false, complete: true, archivedAt: '2026-11-30T03:17:00.000Z', runId, knownLogIds: [],
  };
}

describe('the survey of an instance’s records', () => {
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

describe('the book', () => {
  /** A real directory store, counting its calls, whose first `failPuts` puts answer as a throttled store does. */
  async function countedStore(failPuts = 0) {
    const store = createFileStore({ root: await mkdtemp(join(tmpdir(), 'archiver-book-')) });
    const calls: string[] = [];
    let failures = failPuts;
    const counted: BucketStore = {
      ...store,
      get: (key, signal) => (calls.push(`get ${key}`), store.get(key, signal)),
      list: (prefix, options) => (calls.push(`list ${prefix}`), store.list(prefix, options)),
      put: async (key, body, options) => {
        calls.push(`put ${key}`);
        if (failures > 0) {
          failures -= 1;
          throw new ArchiveError('store', 'retryable', 'throttled', 'SlowDown (HTTP 503)', { throttled: true });
        }
        return store.put(key, body, options);
      },
    };
    return { store: counted, calls };
  }
  const retry = { attempts: 4, baseDelayMs: 1, maxDelayMs: 2 };
  const waits: number[] = [];
  const effects = { retry, sleep: async (ms: number) => void waits.push(ms), random: () => 0.5 };

  it('vouches for the records it wrote by the stamps their writes answered: a rebuild reads none of them back', async () => {
    const { store, calls } = await countedStore();
    const book = createBook({ store, ...effects });
    const held = await book.survey('inst', '2026-11-23');
    const written = [await book.writeRecord(record('run-aaaaaa')), await book.writeRecord({ ...record('run-aaaaaa'), fileName: 'b.log', date: '2026-11-28' })];
    expect(written.every((w) => w.stamped.stamp !== '')).toBe(true);
    calls.length = 0;
    const closed = await book.close({ projectId: 'p', instanceId: 'inst', held, written, acknowledge: [], emptyDays: [], windowStart: '2026-11-23', now: new Date() });
    expect(closed.manifestWritten).toBe(true);
    expect(calls).toEqual(['list records/inst/', 'put manifests/inst.json']);
    expect(closed.records.map((r) => r.fileName).sort()).toEqual(['b.log', 'redis_10.0.0.1_2026-11-29.log']);
    // And the next survey vouches for them by the manifest: one GET, one LIST.
    calls.length = 0;
    const next = await book.survey('inst', '2026-11-23');
    expect(calls).toEqual(['get manifests/inst.json', 'list records/inst/']);
    expect(next.stale).toBe(false);
    expect(next.byIdentity.size).toBe(2);
  });

  it('writes no manifest when nothing changed', async () => {
    const { store, calls } = await countedStore();
    const book = createBook({ store, ...effects });
    const held = await book.survey('inst', '2026-11-23');
    calls.length = 0;
    const closed = await book.close({ projectId: 'p', instanceId: 'inst', held, written: [], acknowledge: [], emptyDays: [], windowStart: '2026-11-23', now: new Date() });
    expect(closed.manifestWritten).toBe(false);
    expect(calls).toEqual([]);
  });

  it('retries a throttled record, manifest and run report write by the one policy, with its delays', async () => {
    const { store, calls } = await countedStore(3);
    const retries: string[] = [];
    waits.length = 0;
    const book = createBook({ store, ...effects, onRetry: (r) => retries.push(`${r.scope} ${r.reason}`) });
    const written = await book.writeRecord(record('run-aaaaaa'));
    expect(calls.filter((c) => c.startsWith('put records/'))).toHaveLength(4);
    expect(retries).toEqual(Array(3).fill(`record ${written.key} store.throttled`));
    expect(waits).toEqual([1, 1, 1]);
    await expect(book.writeRunReport({ runId: 'run-aaaaaa' } as RunReport)).resolves.toBeUndefined();
    expect((await store.get(runReportKey('run-aaaaaa')))!.body.toString()).toContain('run-aaaaaa');
  });

  it('gives up after the policy’s attempts, with the store’s error', async () => {
    const { store } = await countedStore(10);
    const book = createBook({ store, ...effects });
    await expect(book.writeRecord(record('run-aaaaaa'))).rejects.toMatchObject({ source: 'store', kind: 'retryable', reason: 'store.throttled' });
  });

  it('scrubs the run report before writing it', async () => {
    const { store } = await countedStore();
    const book = createBook({ store, ...effects, scrub: (text) => text.replace('secret-value', '[redacted]') });
    await book.writeRunReport({ runId: 'run-bbbbbb', note: 'secret-value' } as unknown as RunReport);
    expect((await store.get(runReportKey('run-bbbbbb')))!.body.toString()).not.toContain('secret-value');
  });
});

describe('the manifest under a retention', () => {
  const now = new Date('2026-12-01T12:00:00.000Z');
  const old = { ...record('run-old000'), date: '2025-10-01', fileName: 'redis_10.0.0.1_2025-10-01.log', key: 'inst/2025-10-01/redis_10.0.0.1_2025-10-01.log', archivedAt: '2025-10-02T03:17:00.000Z' };
  const recent = { ...record('run-new000'), archivedAt: '2026-11-30T03:17:00.000Z' };

  async function bucket() {
    const store = createFileStore({ root: await mkdtemp(join(tmpdir(), 'archiver-retention-')) });
    const heads: string[] = [];
    const watched: BucketStore = { ...store, head: (key, signal) => (heads.push(key), store.head(key, signal)) };
    for (const r of [old, recent]) await store.put(recordKey(r.instanceId, r.date, r.fileName), recordText(r));
    return { store: watched, heads };
  }

  it('drops the entry of a record past the retention whose object is gone, keeps the record, and looks for that object only once', async () => {
    const { store, heads } = await bucket();
    await store.put(recent.key, 'x'.repeat(10)); // the old object is gone: a lifecycle rule expired it
    const first = await rebuildManifest({ store, projectId: 'p', instanceId: 'inst', stamped: new Map(), retentionDays: 30, now });
    expect(first.entries.map((r) => r.runId)).toEqual(['run-new000']);
    expect(Object.keys(first.expired ?? {})).toEqual([recordKey('inst', old.date, old.fileName)]);
    expect(heads).toEqual([old.key]); // only the record past the retention is looked for
    expect(await store.get(recordKey('inst', old.date, old.fileName))).toBeDefined();

    const survey = await loadInstanceRecords({ store, instanceId: 'inst' });
    expect(survey.stale).toBe(false);
    heads.length = 0;
    const again = await rebuildManifest({ store, projectId: 'p', instanceId: 'inst', stamped: survey.stamped, expired: survey.expired, retentionDays: 30, now });
    expect(again.entries.map((r) => r.runId)).toEqual(['run-new000']);
    expect(again.expired).toEqual(first.expired);
    expect(heads).toEqual([]);
    await store.close();
  });

  it('keeps the entry of a record past the retention while its object is still there, and every entry without a retention', async () => {
    const { store } = await bucket();
    await store.put(old.key, 'x'.repeat(10));
    expect((await rebuildManifest({ store, projectId: 'p', instanceId: 'inst', stamped: new Map(), retentionDays: 30, now })).entries).toHaveLength(2);
    await store.delete(old.key);
    const forever = await rebuildManifest({ store, projectId: 'p', instanceId: 'inst', stamped: new Map(), retentionDays: null, now });
    expect(forever.entries).toHaveLength(2);
    expect(forever.expired).toBeUndefined();
    await store.close();
  });
});
