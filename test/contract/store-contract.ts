/**
 * What every BucketStore promises, as one suite each implementation runs (restic's backend
 * suite, hono's common cases): the S3 store against a real S3-compatible server, the file store
 * against a temp dir.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AbortedError, ArchiveError } from '../../src/errors.js';
import { byteSourceStream } from '../../src/store/parts.js';
import type { BucketStore } from '../../src/store/store.js';

export interface ContractStoreOptions {
  /** Multipart part size the store must use (stores without parts ignore it). */
  partSize: number;
  /** Keys per listing request, small so listings span several pages (ignored where there are none). */
  listPageSize: number;
}

export interface StoreHarness {
  /** A store over a fresh, empty destination (its own prefix or directory). */
  store: BucketStore;
  /** A store of the same kind whose destination (bucket, directory) does not exist, and that name. */
  missing: { store: BucketStore; name: string };
  /** Leaves an upload started and never finished at `key`, as a killed process would. */
  createPendingUpload(key: string): Promise<void>;
  /** The requests sent so far, by name, where the store can tell (S3: command names). */
  requests?: () => readonly string[];
  /** Removes everything the harness made. */
  cleanup(): Promise<void>;
}

const KiB = 1024;
const MiB = 1024 * KiB;
const PART = 5 * MiB; // S3's smallest part
const OPTIONS: ContractStoreOptions = { partSize: PART, listPageSize: 3 };

export function describeStoreContract(name: string, makeStore: (options: ContractStoreOptions) => Promise<StoreHarness>): void {
  describe(`${name} store contract`, () => {
    let harness: StoreHarness;
    let store: BucketStore;
    const extra: StoreHarness[] = [];

    beforeEach(async () => {
      harness = await makeStore(OPTIONS);
      store = harness.store;
    });
    afterEach(async () => {
      await Promise.all([harness, ...extra.splice(0)].map((made) => made.cleanup()));
    });

    /** Starts watching: the function returned gives the requests sent since, or undefined where the store cannot tell. */
    function requestsSince(): () => readonly string[] | undefined {
      const start = harness.requests?.().length ?? 0;
      return () => harness.requests?.().slice(start);
    }

    it('round-trips an empty body and reports 0 bytes', async () => {
      const result = await store.upload('empty.log', Readable.from([]));
      expect(result.bytes).toBe(0);
      expect(await store.head('empty.log')).toMatchObject({ key: 'empty.log', size: 0 });
      expect((await store.get('empty.log'))?.body.length).toBe(0);
    });

    it('round-trips a 1 KiB body byte for byte and reports its size', async () => {
      const data = randomBytes(KiB);
      const result = await store.upload('small/one.log', Readable.from([data.subarray(0, 100), data.subarray(100)]), {
        contentType: 'text/plain',
      });
      expect(result.bytes).toBe(KiB);
      expect((await store.get('small/one.log'))?.body.equals(data)).toBe(true);
    });

    it('streams a body of several parts and reads back the same SHA-256', async () => {
      const { stream, digest, size } = generatedBody(12 * MiB + 123);
      const since = requestsSince();
      const result = await store.upload('big/twelve.log', stream);
      expect(result.bytes).toBe(size);
      expect(await store.head('big/twelve.log')).toMatchObject({ size });
      const readBack = await store.read('big/twelve.log');
      expect(readBack).toBeDefined();
      expect(await sha256Of(byteSourceStream(readBack!, 64 * 1024))).toBe(digest());
      const sent = since();
      if (sent) {
        expect(sent.filter((request) => request === 'UploadPartCommand')).toHaveLength(3);
        expect(sent).toContain('CompleteMultipartUploadCommand');
      }
    });

    it('replaces an object when the same key is uploaded again', async () => {
      await store.upload('again.log', Readable.from([Buffer.from('first version, longer')]));
      await store.upload('again.log', Readable.from([Buffer.from('second')]));
      expect((await store.get('again.log'))?.body.toString()).toBe('second');
      expect(await store.head('again.log')).toMatchObject({ size: 6 });
    });

    it('writes, reads, describes and deletes a small object', async () => {
      const before = Date.now();
      await store.put('records/i-1/2025-01-02/x.log.json', '{"a":1}', { contentType: 'application/json' });
      await store.put('records/i-1/bytes.bin', new Uint8Array([0, 1, 2, 255]));

      const got = await store.get('records/i-1/2025-01-02/x.log.json');
      expect(got?.body.toString('utf8')).toBe('{"a":1}');
      expect(Math.abs(got!.lastModified.getTime() - before)).toBeLessThan(10 * 60_000); // the store's clock, roughly ours
      expect((await store.get('records/i-1/bytes.bin'))?.body).toEqual(Buffer.from([0, 1, 2, 255]));
      expect(await store.head('records/i-1/bytes.bin')).toMatchObject({ key: 'records/i-1/bytes.bin', size: 4 });

      await store.put('records/i-1/bytes.bin', 'replaced');
      expect((await store.get('records/i-1/bytes.bin'))?.body.toString()).toBe('replaced');

      await store.delete('records/i-1/bytes.bin');
      expect(await store.head('records/i-1/bytes.bin')).toBeUndefined();
      expect(await store.get('records/i-1/bytes.bin')).toBeUndefined();
      expect(await store.read('records/i-1/bytes.bin')).toBeUndefined();
      await store.delete('records/i-1/bytes.bin'); // deleting what is gone is not an error
    });

    it('reads an object into buffers the reader hands in, and stops reading once destroyed', async () => {
      const body = Buffer.from(Array.from({ length: 5000 }, (_, i) => `line ${i}\n`).join(''));
      await store.put('reads/whole.log', body);
      const source = await store.read('reads/whole.log');
      expect(source).toBeDefined();
      expect(await source!.more()).toBe(true);
      const first = Buffer.alloc(1000);
      expect(await source!.fill(first)).toBe(1000);
      const rest = Buffer.alloc(body.length);
      const filled = await source!.fill(rest);
      expect(Buffer.concat([first, rest.subarray(0, filled)])).toEqual(body);
      expect(await source!.fill(Buffer.alloc(10))).toBe(0);
      expect(await source!.more()).toBe(false);

      const stopped = await store.read('reads/whole.log');
      expect(await stopped!.fill(Buffer.alloc(10))).toBe(10);
      stopped!.destroy();
      await expect(stopped!.fill(Buffer.alloc(10))).rejects.toBeInstanceOf(Error);
      await store.delete('reads/whole.log');
    });

    it('answers undefined for an object that does not exist, even where a longer key does', async () => {
      await store.put('dir/child', 'x');
      for (const key of ['nothing-here', 'dir', 'dir/child/deeper']) {
        expect(await store.get(key)).toBeUndefined();
        expect(await store.head(key)).toBeUndefined();
        expect(await store.read(key)).toBeUndefined();
      }
    });

    it('lists keys in key order with their sizes, only under the given prefix', async () => {
      const keys = ['b/c/d', 'a0', 'a/2', 'ab', 'a-b', 'a/1', 'a/1x/y', 'z'];
      for (const key of keys) await store.put(key, key);
      const all = await collect(store.list(''));
      expect(all.map((object) => object.key)).toEqual([...keys].sort(byteOrder));
      expect(all.find((object) => object.key === 'a/1x/y')).toMatchObject({ size: 'a/1x/y'.length });
      expect(all.every((object) => object.lastModified instanceof Date && !Number.isNaN(object.lastModified.getTime()))).toBe(true);

      expect((await collect(store.list('a/'))).map((object) => object.key)).toEqual(['a/1', 'a/1x/y', 'a/2']);
      expect((await collect(store.list('a'))).map((object) => object.key)).toEqual(['a-b', 'a/1', 'a/1x/y', 'a/2', 'a0', 'ab']);
      expect((await collect(store.list('a/1'))).map((object) => object.key)).toEqual(['a/1', 'a/1x/y']);
      expect(await collect(store.list('nothing/'))).toEqual([]);
    });

    it('lists under a prefix of several whole segments exactly as under a shorter one, start-after included', async () => {
      const keys = ['r/x/1', 'r/x/2', 'r/x/3/4', 'r/x-y/1', 'r/x0', 'r/y/1', 'q/x/1'];
      for (const key of keys) await store.put(key, key);
      const keysOf = async (prefix: string, startAfter?: string) => (await collect(store.list(prefix, startAfter ? { startAfter } : {}))).map((object) => object.key);
      expect(await keysOf('r/x/')).toEqual(['r/x/1', 'r/x/2', 'r/x/3/4']);
      expect(await keysOf('r/x/3/')).toEqual(['r/x/3/4']);
      expect(await keysOf('r/x/', 'r/x/1')).toEqual(['r/x/2', 'r/x/3/4']);
      expect(await keysOf('r/x/', 'r/x/3')).toEqual(['r/x/3/4']);
      expect(await keysOf('r/x/3')).toEqual(['r/x/3/4']);
      expect(await keysOf('r/z/')).toEqual([]);
      expect(await keysOf('r/x/1/')).toEqual([]);
      expect(await keysOf('r/')).toEqual(keys.filter((key) => key.startsWith('r/')).sort(byteOrder));
    });

    it('starts after the given key and carries on across listing pages', async () => {
      const keys = Array.from({ length: 11 }, (_, index) => `logs/${String(index).padStart(2, '0')}.log`);
      keys.push('logs/07/inner', 'other/x');
      for (const key of keys) await store.put(key, 'x');

      const after = (startAfter: string, prefix = 'logs/') => collect(store.list(prefix, { startAfter })).then((list) => list.map((o) => o.key));
      const tail = ['logs/08.log', 'logs/09.log', 'logs/10.log'];
      expect(await after('logs/03.log')).toEqual(['logs/04.log', 'logs/05.log', 'logs/06.log', 'logs/07.log', 'logs/07/inner', ...tail]);
      expect(await after('logs/07.log')).toEqual(['logs/07/inner', ...tail]);
      expect(await after('logs/07')).toEqual(['logs/07.log', 'logs/07/inner', ...tail]);
      expect(await after('logs/07/')).toEqual(['logs/07/inner', ...tail]);
      expect(await after('logs/07/inner')).toEqual(tail);
      expect(await after('logs/10.log')).toEqual([]);
      expect(await after('a')).toHaveLength(12);
      expect(await after('logs/05.log', '')).toEqual(['logs/06.log', 'logs/07.log', 'logs/07/inner', ...tail, 'other/x']);
    });

    it('keeps two destinations apart', async () => {
      const other = await makeStore(OPTIONS);
      extra.push(other);
      await store.put('shared/key', 'mine');
      await other.store.put('shared/key', 'theirs');
      await other.store.put('only/theirs', 'x');
      expect((await collect(store.list(''))).map((object) => object.key)).toEqual(['shared/key']);
      expect((await store.get('shared/key'))?.body.toString()).toBe('mine');
      expect(await store.head('only/theirs')).toBeUndefined();
      await other.store.delete('shared/key');
      expect((await store.get('shared/key'))?.body.toString()).toBe('mine');
    });

    it('rejects an upload whose body fails midway and leaves neither an object nor a pending upload', async () => {
      const failure = new Error('source connection reset');
      const since = requestsSince();
      const body = Readable.from(
        (async function* () {
          yield randomBytes(4 * MiB);
          yield randomBytes(4 * MiB); // more than a part: a multipart upload has begun
          throw failure;
        })(),
      );
      await expect(store.upload('broken/mid.log', body)).rejects.toBe(failure);
      expect(await store.head('broken/mid.log')).toBeUndefined();
      expect(await store.listPendingUploads('')).toEqual([]);
      const sent = since();
      if (sent) {
        expect(sent).toContain('CreateMultipartUploadCommand');
        expect(sent).toContain('AbortMultipartUploadCommand');
        expect(sent).not.toContain('CompleteMultipartUploadCommand');
      }
    });

    it('rejects an upload whose body fails before the first part is full and leaves nothing behind', async () => {
      const failure = new Error('truncated before a part');
      const body = Readable.from(
        (async function* () {
          yield Buffer.from('a few bytes');
          throw failure;
        })(),
      );
      await expect(store.upload('broken/early.log', body)).rejects.toBe(failure);
      expect(await store.head('broken/early.log')).toBeUndefined();
      expect(await store.listPendingUploads('')).toEqual([]);
    });

    it('stops an upload when its signal aborts and leaves neither an object nor a pending upload', async () => {
      const controller = new AbortController();
      const since = requestsSince();
      let released: () => void = () => undefined;
      const body = Readable.from(
        (async function* () {
          yield randomBytes(PART + KiB); // one whole part, so a multipart upload is under way
          await new Promise<void>((resolve) => (released = resolve)); // then the source stalls
        })(),
      );
      const uploading = store.upload('stopped/one.log', body, { signal: controller.signal });
      uploading.catch(() => undefined);
      await eventually(async () => expect(await store.listPendingUploads('stopped/')).toHaveLength(1));

      controller.abort();
      await expect(uploading).rejects.toBeInstanceOf(AbortedError);
      released();
      expect(await store.listPendingUploads('')).toEqual([]);
      expect(await store.head('stopped/one.log')).toBeUndefined();
      const sent = since();
      if (sent) expect(sent).toContain('AbortMultipartUploadCommand');
    });

    it('refuses an upload whose signal has already aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      await expect(store.upload('never.log', Readable.from([Buffer.from('x')]), { signal: controller.signal })).rejects.toBeInstanceOf(
        AbortedError,
      );
      expect(await store.head('never.log')).toBeUndefined();
    });

    it('refuses keys that would leave the prefix or make an odd name', async () => {
      const bad = ['../escape', 'a/../../escape', '/etc/passwd', 'a\\b', 'a\u0000b', 'line\nbreak', 'tab\there', '', 'a//b', './a', 'a/.', 'dir/'];
      for (const key of bad) {
        await expectRefused(store.put(key, 'x'), key);
        await expectRefused(store.upload(key, Readable.from([Buffer.from('x')])), key);
        await expectRefused(store.get(key), key);
        await expectRefused(store.head(key), key);
        await expectRefused(store.read(key), key);
        await expectRefused(store.delete(key), key);
      }
      await expectRefused(collect(store.list('../')), '../');
      await expectRefused(store.listPendingUploads('/abs'), '/abs');
      expect(await collect(store.list(''))).toEqual([]);
      expect(await store.listPendingUploads('')).toEqual([]);
    });

    it('reports a destination that does not exist as a fatal error naming it', async () => {
      const { store: missing, name: missingName } = harness.missing;
      const error = await missing.check().then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(ArchiveError);
      expect((error as ArchiveError).kind).toBe('fatal');
      expect((error as ArchiveError).message).toContain(missingName);
      await expect(store.check()).resolves.toBeUndefined();
      await missing.close();
    });

    it('lists the uploads left pending under a prefix and aborts them', async () => {
      await harness.createPendingUpload('pending/one.log');
      await harness.createPendingUpload('pending/two.log');
      await harness.createPendingUpload('elsewhere/three.log');

      const pending = await store.listPendingUploads('pending/');
      expect(pending.map((upload) => upload.key).sort()).toEqual(['pending/one.log', 'pending/two.log']);
      for (const upload of pending) {
        expect(upload.id).not.toBe('');
        expect(Math.abs(upload.initiated.getTime() - Date.now())).toBeLessThan(10 * 60_000);
      }
      expect(await collect(store.list(''))).toEqual([]); // pending uploads are not objects

      for (const upload of pending) await store.abortPendingUpload(upload);
      await store.abortPendingUpload(pending[0]!); // aborting twice is harmless
      expect(await store.listPendingUploads('pending/')).toEqual([]);
      expect((await store.listPendingUploads('')).map((upload) => upload.key)).toEqual(['elsewhere/three.log']);
    });
  });
}

/** A deterministic-size random body, fed in 64 KiB pieces, hashed as it is produced. */
function generatedBody(size: number): { stream: Readable; digest: () => string; size: number } {
  const hash = createHash('sha256');
  async function* pieces() {
    for (let sent = 0; sent < size; ) {
      const piece = randomBytes(Math.min(64 * KiB, size - sent));
      hash.update(piece);
      sent += piece.length;
      yield piece;
    }
  }
  return { stream: Readable.from(pieces()), digest: () => hash.digest('hex'), size };
}

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const result: T[] = [];
  for await (const item of items) result.push(item);
  return result;
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

async function expectRefused(promise: Promise<unknown>, key: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, `key ${JSON.stringify(key)} was accepted`).toBeInstanceOf(ArchiveError);
  expect((error as ArchiveError).reason).toBe('store.unsafe-key');
}

async function eventually(check: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
