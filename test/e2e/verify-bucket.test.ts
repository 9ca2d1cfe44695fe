import { randomUUID } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveError } from '../../src/errors.js';
import { manifestKey, recordKey } from '../../src/records/layout.js';
import type { ArchiveRecord, Manifest } from '../../src/records/record.js';
import { createFileStore } from '../../src/store/file-store.js';
import { PartReader } from '../../src/store/parts.js';
import type { BucketStore } from '../../src/store/store.js';
import { isProblem, type Finding, type Problem } from '../../src/verify/findings.js';
import { verifyBucket, type VerifyOptions } from '../../src/verify/verify-bucket.js';
import { archiveFleet, INSTANCE_A, INSTANCE_B } from '../support/archived-fleet.js';
import { watchEnd } from '../support/byte-source.js';

const NOW = () => new Date();
const HOUR = 3_600_000;
const temps: string[] = [];
let pristine: string;
let pristineGzip: string;

async function tempDir(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `archiver-verify-${name}-`));
  temps.push(dir);
  return dir;
}

beforeAll(async () => {
  pristine = await tempDir('pristine');
  pristineGzip = await tempDir('pristine-gzip');
  await Promise.all([archiveFleet({ url: `file://${pristine}/` }), archiveFleet({ url: `file://${pristineGzip}/` }, {}, { compression: 'gzip' })]);
}, 120_000);

afterAll(async () => {
  await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh copy of a clean archive, to damage. */
async function copyOf(source = pristine): Promise<{ root: string; store: BucketStore }> {
  const root = await tempDir('copy');
  await cp(source, root, { recursive: true });
  return { root, store: createFileStore({ root }) };
}

async function audit(store: BucketStore, options: Partial<VerifyOptions> = {}) {
  const findings: Finding[] = [];
  const summary = await verifyBucket({ store, deep: false, fix: false, olderThanMs: HOUR, now: NOW, onFinding: (f) => findings.push(f), ...options });
  return { summary, findings, problems: findings.filter(isProblem), kinds: findings.map((f) => f.kind).sort() };
}

async function records(store: BucketStore, instanceId?: string): Promise<Array<{ key: string; record: ArchiveRecord }>> {
  const out = [];
  for await (const object of store.list(instanceId ? `records/${instanceId}/` : 'records/')) {
    out.push({ key: object.key, record: JSON.parse((await store.get(object.key))!.body.toString()) as ArchiveRecord });
  }
  return out;
}

/** A record whose object has at least `min` bytes. */
async function recordWithBytes(store: BucketStore, min: number) {
  const found = (await records(store)).find(({ record }) => record.storedBytes >= min);
  if (!found) throw new Error(`no record of ${min}+ bytes in the fixture`);
  return found;
}

async function readManifest(store: BucketStore, instanceId: string): Promise<Manifest> {
  return JSON.parse((await store.get(manifestKey(instanceId)))!.body.toString()) as Manifest;
}

async function writeManifest(store: BucketStore, manifest: Manifest) {
  await store.put(manifestKey(manifest.instanceId), JSON.stringify(manifest));
}

/** What the file store leaves behind when a process dies mid-upload. */
async function leavePendingUpload(root: string, key: string) {
  const id = randomUUID();
  await mkdir(join(root, '.uploads'), { recursive: true });
  await writeFile(join(root, '.uploads', `${id}.key`), key);
  await writeFile(join(root, '.uploads', id), 'partial bytes');
  return id;
}

async function flipByte(root: string, key: string, at: number) {
  const path = join(root, ...key.split('/'));
  const bytes = await readFile(path);
  bytes[at] = bytes[at]! ^ 0xff;
  await writeFile(path, bytes);
}

describe('verifyBucket on an archive made by a real pass', () => {
  it('finds nothing wrong with a clean archive, even reading every object back', async () => {
    const { store } = await copyOf();
    const { summary, findings } = await audit(store, { deep: true });
    expect(findings).toEqual([]);
    expect(summary).toMatchObject({ clean: true, scope: 'bucket', instances: 2, records: 9, objectsRead: 9, unresolved: 0, problems: {}, fixed: {} });
    expect(summary.bytesRead).toBe(2 * 1024 * 1024 + 1024 + 70_001 + 5 + 333_333 + 4096 + 12_345 + 99);
  });

  it('hashes the decompressed content of a gzip archive against the source SHA-256', async () => {
    const { store } = await copyOf(pristineGzip);
    const all = await records(store);
    expect(all.every(({ record }) => record.compression === 'gzip' && record.key.endsWith('.gz'))).toBe(true);
    const { summary, findings } = await audit(store, { deep: true });
    expect(findings).toEqual([]);
    expect(summary).toMatchObject({ clean: true, records: 9, objectsRead: 9 });
  });

  it('reports a record whose object was deleted as missing-object', async () => {
    const { store } = await copyOf();
    const victim = await recordWithBytes(store, 1);
    await store.delete(victim.record.key);
    const { summary, problems } = await audit(store);
    expect(problems).toEqual([{ kind: 'missing-object', key: victim.record.key, instanceId: victim.record.instanceId, record: victim.key, expected: victim.record.storedBytes }]);
    expect(summary).toMatchObject({ clean: false, unresolved: 1, problems: { 'missing-object': 1 } });
  });

  it('reports a truncated object as size-mismatch without reading it', async () => {
    const { root, store } = await copyOf();
    const victim = await recordWithBytes(store, 1000);
    await truncate(join(root, ...victim.record.key.split('/')), 10);
    const { summary, problems } = await audit(store);
    expect(problems).toEqual([expect.objectContaining({ kind: 'size-mismatch', key: victim.record.key, expected: victim.record.storedBytes, actual: 10 })]);
    expect(summary.objectsRead).toBe(0);
  });

  it('catches a flipped byte only when reading objects back with deep', async () => {
    const { root, store } = await copyOf();
    const victim = await recordWithBytes(store, 1_000_000);
    await flipByte(root, victim.record.key, 1_500_000);

    const shallow = await audit(store);
    expect(shallow.findings).toEqual([]);
    expect(shallow.summary.clean).toBe(true);

    const deep = await audit(store, { deep: true });
    expect(deep.problems).toEqual([
      expect.objectContaining({ kind: 'hash-mismatch', key: victim.record.key, record: victim.key, expected: victim.record.sha256, actual: expect.stringMatching(/^[0-9a-f]{64}$/) }),
    ]);
    expect((deep.problems[0] as Problem).actual).not.toBe(victim.record.sha256);
    expect(deep.summary).toMatchObject({ clean: false, problems: { 'hash-mismatch': 1 } });
  });

  it('reports a gzip object that no longer inflates as hash-mismatch with deep', async () => {
    const { root, store } = await copyOf(pristineGzip);
    const victim = await recordWithBytes(store, 100);
    await flipByte(root, victim.record.key, Math.floor(victim.record.storedBytes / 2));
    const { problems } = await audit(store, { deep: true });
    expect(problems).toEqual([expect.objectContaining({ kind: 'hash-mismatch', key: victim.record.key })]);
  });

  it('reports a manifest entry that was removed, and rebuilds the manifest with fix', async () => {
    const { store } = await copyOf();
    const manifest = await readManifest(store, INSTANCE_B);
    const [dropped, ...kept] = manifest.entries;
    const emptyDays = [{ replica: 'node', date: '2020-01-01', confirmedAt: '2020-01-02T00:00:00.000Z', runId: 'r1' }];
    await writeManifest(store, { ...manifest, entries: kept, emptyDays });

    const found = await audit(store);
    expect(found.problems).toEqual([
      { kind: 'manifest-missing-entry', key: manifestKey(INSTANCE_B), instanceId: INSTANCE_B, record: recordKey(INSTANCE_B, dropped!.date, dropped!.fileName) },
    ]);

    const fixed = await audit(store, { fix: true });
    expect(fixed.kinds).toEqual(['fixed-manifest', 'manifest-missing-entry']);
    expect(fixed.findings.at(-1)).toMatchObject({ kind: 'fixed-manifest', key: manifestKey(INSTANCE_B), instanceId: INSTANCE_B, entries: manifest.entries.length, resolved: 1 });
    expect(fixed.summary).toMatchObject({ clean: true, unresolved: 0, problems: { 'manifest-missing-entry': 1 }, fixed: { 'fixed-manifest': 1 } });
    const rebuilt = await readManifest(store, INSTANCE_B);
    expect(rebuilt.entries).toHaveLength(manifest.entries.length);
    expect(rebuilt.emptyDays).toEqual(emptyDays); // soft state that lives only in the manifest survives

    expect((await audit(store)).findings).toEqual([]);
  });

  it('names the fields of a manifest entry that differs from its record', async () => {
    const { store } = await copyOf();
    const manifest = await readManifest(store, INSTANCE_A);
    const changed = { ...manifest.entries[0]!, bytes: manifest.entries[0]!.bytes + 1, sha256: 'f'.repeat(64) };
    await writeManifest(store, { ...manifest, entries: [changed, ...manifest.entries.slice(1)] });
    const { problems } = await audit(store);
    expect(problems).toEqual([expect.objectContaining({ kind: 'manifest-differs', key: manifestKey(INSTANCE_A), fields: ['bytes', 'sha256'] })]);
  });

  it('reports a deleted record as an extra manifest entry and its object as unrecorded, and never deletes the object', async () => {
    const { store } = await copyOf();
    const victim = (await records(store, INSTANCE_A))[0]!;
    await store.delete(victim.key);

    const { kinds, problems } = await audit(store, { fix: true });
    expect(kinds).toEqual(['fixed-manifest', 'manifest-extra-entry', 'unrecorded-object']);
    expect(problems).toContainEqual(expect.objectContaining({ kind: 'unrecorded-object', key: victim.record.key, actual: victim.record.storedBytes }));
    expect(await store.head(victim.record.key)).toBeDefined();

    const again = await audit(store, { fix: true });
    expect(again.kinds).toEqual(['unrecorded-object']);
    expect(again.summary).toMatchObject({ clean: false, unresolved: 1 });
  });

  it('reports a missing manifest and rebuilds it with fix', async () => {
    const { store } = await copyOf();
    await store.delete(manifestKey(INSTANCE_A));
    const found = await audit(store);
    expect(found.problems).toEqual([{ kind: 'manifest-missing', key: manifestKey(INSTANCE_A), instanceId: INSTANCE_A, expected: 3 }]);
    const fixed = await audit(store, { fix: true });
    expect(fixed.summary.clean).toBe(true);
    expect((await readManifest(store, INSTANCE_A)).entries).toHaveLength(3);
  });

  it('reports an unreadable manifest and a manifest of an instance that has no records', async () => {
    const { store } = await copyOf();
    await store.put(manifestKey(INSTANCE_A), '{not json');
    const ghost = { ...(await readManifest(store, INSTANCE_B)), instanceId: 'inst-gone' };
    await writeManifest(store, ghost);
    const { problems, summary } = await audit(store);
    expect(problems).toContainEqual(expect.objectContaining({ kind: 'manifest-unreadable', key: manifestKey(INSTANCE_A), detail: 'manifest is not JSON' }));
    expect(problems.filter((p) => p.kind === 'manifest-extra-entry' && p.key === manifestKey('inst-gone'))).toHaveLength(ghost.entries.length);
    expect(summary.instances).toBe(3);

    const fixed = await audit(store, { fix: true });
    expect(fixed.summary.clean).toBe(true);
    expect((await readManifest(store, 'inst-gone')).entries).toEqual([]);
  });

  it('reports a record that is not JSON as unreadable-record and goes on with the rest', async () => {
    const { store } = await copyOf();
    const victim = (await records(store, INSTANCE_B))[1]!;
    await store.put(victim.key, '{"schemaVersion": 1, "trunc');
    const { kinds, problems } = await audit(store);
    // Its file is then in the manifest without a record, and its object named by no record.
    expect(kinds).toEqual(['manifest-extra-entry', 'unreadable-record', 'unrecorded-object']);
    expect(problems).toContainEqual({ kind: 'unreadable-record', key: victim.key, detail: 'not JSON' });
  });

  it('reports a record stored under another file\'s key as misplaced', async () => {
    const { store } = await copyOf();
    const [first, second] = await records(store, INSTANCE_A);
    await store.put(second!.key, JSON.stringify(first!.record));
    const { problems } = await audit(store);
    expect(problems).toContainEqual(expect.objectContaining({ kind: 'misplaced-record', key: second!.key, expected: first!.key }));
  });

  it('reports a stray object as unrecorded and leaves it in place with fix', async () => {
    const { store } = await copyOf();
    await store.put('someone-else/notes.txt', 'not ours');
    await store.put('runs/handwritten.json', '{}'); // run reports are not checked
    const { problems, summary } = await audit(store, { fix: true });
    expect(problems).toEqual([expect.objectContaining({ kind: 'unrecorded-object', key: 'someone-else/notes.txt', actual: 8 })]);
    expect(summary.clean).toBe(false);
    expect(await store.head('someone-else/notes.txt')).toBeDefined();
  });

  it('reports a pending upload older than the threshold as orphaned, and aborts it with fix', async () => {
    const { root, store } = await copyOf();
    const id = await leavePendingUpload(root, 'inst-a/2020-01-01/redis.log');
    const later = () => new Date(Date.now() + 2 * HOUR);

    const found = await audit(store, { now: later });
    expect(found.problems).toEqual([expect.objectContaining({ kind: 'orphaned-upload', key: 'inst-a/2020-01-01/redis.log', uploadId: id })]);

    const fixed = await audit(store, { now: later, fix: true });
    expect(fixed.kinds).toEqual(['fixed-orphaned-upload', 'orphaned-upload']);
    expect(fixed.summary).toMatchObject({ clean: true, fixed: { 'fixed-orphaned-upload': 1 } });
    expect(await store.listPendingUploads('')).toEqual([]);
  });

  it('leaves a younger pending upload alone as in progress, even with fix', async () => {
    const { root, store } = await copyOf();
    const id = await leavePendingUpload(root, 'inst-b/2020-01-01/redis.log');
    const { findings, summary } = await audit(store, { fix: true });
    expect(findings).toEqual([expect.objectContaining({ kind: 'upload-in-progress', key: 'inst-b/2020-01-01/redis.log', uploadId: id })]);
    expect(summary.clean).toBe(true);
    expect(await store.listPendingUploads('')).toHaveLength(1);
  });

  it('counts every pending upload as orphaned when the threshold is zero', async () => {
    const { root, store } = await copyOf();
    await leavePendingUpload(root, 'inst-b/2020-01-01/redis.log');
    const { kinds } = await audit(store, { olderThanMs: 0 });
    expect(kinds).toEqual(['orphaned-upload']);
  });

  it('checks only the given instances, and not the objects and uploads it cannot attribute to them', async () => {
    const { root, store } = await copyOf();
    const damaged = (await records(store, INSTANCE_B))[0]!;
    await store.delete(damaged.record.key);
    await store.put('stray.bin', 'x');
    await leavePendingUpload(root, 'x.log');

    const onlyA = await audit(store, { instances: [INSTANCE_A], olderThanMs: 0, deep: true });
    expect(onlyA.findings).toEqual([]);
    expect(onlyA.summary).toMatchObject({ clean: true, scope: 'instances', instances: 1, records: 3 });

    const onlyB = await audit(store, { instances: [INSTANCE_B], olderThanMs: 0 });
    expect(onlyB.kinds).toEqual(['missing-object']);
  });

  it('says so when an instance given has neither records nor a manifest', async () => {
    const { store } = await copyOf();
    const { findings, summary } = await audit(store, { instances: ['inst-typo'] });
    expect(findings).toEqual([expect.objectContaining({ kind: 'instance-empty', instanceId: 'inst-typo' })]);
    expect(summary.clean).toBe(true);
  });

  it('reads at most the deep concurrency of objects at once', async () => {
    const { store } = await copyOf();
    let open = 0;
    let most = 0;
    const watched: BucketStore = {
      ...store,
      async read(key, signal) {
        const source = await store.read(key, signal);
        if (!source) return source;
        open++;
        most = Math.max(most, open);
        return watchEnd(source, () => open--);
      },
    };
    const { summary } = await audit(watched, { deep: true, deepConcurrency: 2, concurrency: 8 });
    expect(summary.objectsRead).toBe(9);
    expect(most).toBe(2);
  });

  it('retries a retryable store error and reports one that persists as check-failed, going on with the rest', async () => {
    const { store } = await copyOf();
    const flaky = await recordWithBytes(store, 1);
    const broken = (await records(store)).find(({ record }) => record.key !== flaky.record.key)!;
    let flakyFailures = 0;
    const delays: number[] = [];
    const failing: BucketStore = {
      ...store,
      async head(key, signal) {
        if (key === flaky.record.key && flakyFailures++ === 0) throw new ArchiveError('store', 'retryable', 'http-503', 'head answered 503');
        if (key === broken.record.key) throw new ArchiveError('store', 'file', 'http-400', 'head answered 400');
        return store.head(key, signal);
      },
    };
    const { problems, summary } = await audit(failing, { sleep: async (ms) => void delays.push(ms), random: () => 0.5 });
    expect(problems).toEqual([{ kind: 'check-failed', key: broken.record.key, instanceId: broken.record.instanceId, record: broken.key, detail: 'head object: head answered 400' }]);
    expect(delays).toEqual([250]);
    expect(summary).toMatchObject({ clean: false, records: 9 });
  });

  it('stops with the error when the store fails fatally', async () => {
    const { store } = await copyOf();
    const denied: BucketStore = {
      ...store,
      async get() {
        throw new ArchiveError('store', 'fatal', 'access-denied', 'get answered 403 AccessDenied');
      },
    };
    await expect(audit(denied)).rejects.toMatchObject({ kind: 'fatal', reason: 'store.access-denied' });
  });

  it('stops with an error when the destination directory is gone', async () => {
    const root = join(await tempDir('gone'), 'missing');
    await expect(audit(createFileStore({ root }))).rejects.toMatchObject({ kind: 'fatal' });
  });

  it('reports unreadable content from a store that ends a read early', async () => {
    const { store } = await copyOf();
    const victim = await recordWithBytes(store, 1000);
    const short: BucketStore = {
      ...store,
      async read(key, signal) {
        if (key !== victim.record.key) return store.read(key, signal);
        return new PartReader(Readable.from([Buffer.alloc(10)]));
      },
    };
    const { problems } = await audit(short, { deep: true });
    expect(problems).toEqual([expect.objectContaining({ kind: 'size-mismatch', key: victim.record.key, actual: 10, detail: 'while reading it back' })]);
  });
});
