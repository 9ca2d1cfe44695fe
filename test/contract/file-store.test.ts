import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ArchiveError } from '../../src/errors.js';
import { createFileStore } from '../../src/store/file-store.js';
import { describeStoreContract } from './store-contract.js';

async function makeRoot(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'file-store-'));
}

describeStoreContract('file', async () => {
  const root = await makeRoot();
  const missingRoot = join(root, 'does-not-exist');
  return {
    store: createFileStore({ root }),
    missing: { store: createFileStore({ root: missingRoot }), name: missingRoot },
    // What a process killed mid-upload leaves: the key file, then the partly written bytes.
    async createPendingUpload(key) {
      const id = randomUUID();
      await mkdir(join(root, '.uploads'), { recursive: true });
      await writeFile(join(root, '.uploads', `${id}.key`), key);
      await writeFile(join(root, '.uploads', id), 'partial bytes');
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

describe('file store', () => {
  const roots: string[] = [];
  afterEach(async () => {
    await Promise.all(roots.splice(0).map((root) => rm(root, { recursive: true, force: true })));
  });
  async function fresh() {
    const root = await makeRoot();
    roots.push(root);
    return { root, store: createFileStore({ root }) };
  }

  it('creates a missing root (mode 0750) at its first write when the parent exists; checking and reading write nothing', async () => {
    const { root: parent } = await fresh();
    const root = join(parent, 'archive');
    const store = createFileStore({ root, createRoot: true });
    await store.check();
    expect(await collect(store.list(''))).toEqual([]);
    expect(await store.get('records/x.json')).toBeUndefined();
    expect(await readdir(parent)).toEqual([]);
    await store.put('records/x.json', '{}');
    expect((await stat(root)).mode & 0o777).toBe(0o750);
    expect((await store.get('records/x.json'))?.body.toString()).toBe('{}');
  });

  it('refuses at check, as fatal, a root whose parent is missing too, naming both and what to do', async () => {
    const { root: base } = await fresh();
    const root = join(base, 'mnt', 'archive');
    const error = (await createFileStore({ root, createRoot: true }).check().catch((caught: unknown) => caught)) as ArchiveError;
    expect(error).toBeInstanceOf(ArchiveError);
    expect(error.kind).toBe('fatal');
    expect(error.message).toContain(`neither ${root} nor its parent ${join(base, 'mnt')} exists`);
    expect(error.message).toContain('create it (or its parent), mount the volume, or correct destination.url');
    await expect(createFileStore({ root, createRoot: true }).put('a', 'x')).rejects.toMatchObject({ kind: 'fatal' });
    expect(await readdir(base)).toEqual([]);
  });

  it('leaves a missing root missing, and fatal at check, unless told it may create it (a reader)', async () => {
    const { root: parent } = await fresh();
    const root = join(parent, 'archive');
    await expect(createFileStore({ root }).check()).rejects.toMatchObject({ kind: 'fatal' });
    await expect(createFileStore({ root }).put('a', 'x')).rejects.toMatchObject({ kind: 'fatal' });
    expect(await readdir(parent)).toEqual([]);
  });

  it('keeps its upload area out of listings and refuses keys inside it', async () => {
    const { store } = await fresh();
    await store.put('a.log', 'x');
    expect((await collect(store.list(''))).map((object) => object.key)).toEqual(['a.log']);
    await expect(store.put('.uploads/x', 'y')).rejects.toMatchObject({ kind: 'file', reason: 'store.unsafe-key' });
    await store.put('nested/.uploads/x', 'allowed below the root');
  });

  it('leaves no temp file behind after an upload or a put', async () => {
    const { root, store } = await fresh();
    await store.upload('u.log', Readable.from([Buffer.from('body')]));
    await store.put('p.json', '{}');
    expect(await readdir(join(root, '.uploads'))).toEqual([]);
    expect(await readdir(root)).toEqual(expect.arrayContaining(['u.log', 'p.json']));
  });

  it('refuses, as a failure of that file, a key where a directory of other keys stands', async () => {
    const { store } = await fresh();
    await store.put('day/file.log', 'x');
    await expect(store.put('day', 'y')).rejects.toMatchObject({ kind: 'file' });
    await expect(store.put('day/file.log/inner', 'y')).rejects.toMatchObject({ kind: 'file' });
    expect((await collect(store.list(''))).map((object) => object.key)).toEqual(['day/file.log']);
  });

  it('lists a data file left without its key file so it can be removed', async () => {
    const { root, store } = await fresh();
    await mkdir(join(root, '.uploads'));
    await writeFile(join(root, '.uploads', 'orphan-1'), 'bytes');
    const pending = await store.listPendingUploads('');
    expect(pending).toMatchObject([{ key: '', id: 'orphan-1' }]);
    await store.abortPendingUpload(pending[0]!);
    expect(await readdir(join(root, '.uploads'))).toEqual([]);
  });

  it('refuses a pending upload id that names a path outside the upload area', async () => {
    const { store } = await fresh();
    await expect(store.abortPendingUpload({ key: 'a', id: '../a.log', initiated: new Date() })).rejects.toMatchObject({
      reason: 'store.unsafe-key',
    });
  });

  it('fails as fatal when the root has gone after it was seen, instead of creating it anew or listing nothing', async () => {
    const { root, store } = await fresh();
    await store.check();
    await rm(root, { recursive: true });
    const error = await store.put('a.log', 'x').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ArchiveError);
    expect(error).toMatchObject({ kind: 'fatal' });
    expect((error as Error).message).toContain('does not exist');
    await expect(collect(store.list(''))).rejects.toMatchObject({ kind: 'fatal' });
    await expect(collect(store.list('records/i-1/'))).rejects.toMatchObject({ kind: 'fatal' });
  });

  // Root may write anywhere, so only an ordinary user can see the refusal.
  it.skipIf(process.getuid?.() === 0)('reports a destination it may not write to as fatal', async () => {
    const { root } = await fresh();
    const { chmod } = await import('node:fs/promises');
    await chmod(root, 0o500);
    const store = createFileStore({ root });
    await expect(store.check()).rejects.toMatchObject({ kind: 'fatal' });
    await expect(store.put('a', 'x')).rejects.toMatchObject({ kind: 'fatal' });
    await chmod(root, 0o700);
  });
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const result: T[] = [];
  for await (const item of items) result.push(item);
  return result;
}
