/**
 * Streaming reads of the S3 store (src/store/s3-object-reader.ts): signed socket GETs against the
 * real bucket, through the counting proxy where a test needs to see or break the requests, and
 * against a loopback server that cuts a body short.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortedError, ArchiveError } from '../../src/errors.js';
import { encodeKey } from '../../src/store/s3-object-reader.js';
import { createS3Store } from '../../src/store/s3-store.js';
import type { BucketStore } from '../../src/store/store.js';
import { countByKind, startCountingProxy, type CountingProxy } from '../support/bucket-proxy.js';
import { readAll } from '../support/byte-source.js';
import { s3Target, uniquePrefix } from '../support/s3-target.js';


async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

function storeAt(endpoint: string, prefix: string, overrides: Partial<Parameters<typeof createS3Store>[0]> = {}): BucketStore {
  const target = s3Target();
  return createS3Store({
    bucket: target.bucket,
    prefix,
    endpoint,
    region: target.region,
    forcePathStyle: target.forcePathStyle,
    credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
    timeouts: { connectMs: 2_000, requestMs: 2_000 },
    ...overrides,
  });
}

describe('S3 store reads', () => {
  let proxy: CountingProxy;
  let store: BucketStore;
  const prefix = uniquePrefix('object-reader');
  const body = Buffer.from(Array.from({ length: 40_000 }, (_, i) => `line ${i} of a run log\n`).join(''));

  beforeAll(async () => {
    proxy = await startCountingProxy(s3Target().endpoint);
    store = storeAt(proxy.endpoint, prefix);
    await store.put('plain.log', body);
  });
  afterAll(async () => {
    for await (const object of store.list('')) await store.delete(object.key);
    await proxy.close();
  });

  it('reads an object with one GET and no other request, its bytes exact', async () => {
    proxy.reset();
    const read = await store.read('plain.log');
    expect(read).toBeDefined();
    const got = await readAll(read!);
    expect(createHash('sha256').update(got).digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
    // Where objects live is resolved without a request: the one GET is the object's.
    expect(countByKind(proxy.requests)).toEqual({ 'GET object': 1 });
    expect(proxy.requests[0]!.path.endsWith(`${prefix}plain.log`)).toBe(true);
  });

  it('reads keys whose names need encoding in a path', async () => {
    const keys = ["i-1/2026-11-14/redis log (copy) #2 100%.log", "i-1/a+b=c&d;e,f@g$h!i'j*k~l.log", 'i-1/ünïcödé/日志.log'];
    for (const [index, key] of keys.entries()) {
      await store.put(key, `object ${index}\n`);
      const read = await store.read(key);
      expect(read, key).toBeDefined();
      expect((await readAll(read!)).toString(), key).toBe(`object ${index}\n`);
    }
  });

  it('encodes a key as the SDK does: every segment, reserved characters included', () => {
    expect(encodeKey("a b/c+d/e!'()*~.log")).toBe('a%20b/c%2Bd/e%21%27%28%29%2A~.log');
    expect(encodeKey('日/x')).toBe('%E6%97%A5/x');
  });

  it('answers undefined for a missing key', async () => {
    expect(await store.read('no-such.log')).toBeUndefined();
  });

  it('reports a missing bucket and a wrong secret as fatal, by their codes', async () => {
    const target = s3Target();
    const noBucket = await caught(storeAt(target.endpoint, prefix, { bucket: `no-such-bucket-${Date.now().toString(36)}` }).read('plain.log'));
    expect(noBucket).toBeInstanceOf(ArchiveError);
    expect(noBucket).toMatchObject({ kind: 'fatal', code: 'no-such-bucket' });
    const badSecret = await caught(storeAt(target.endpoint, prefix, { credentials: { accessKeyId: target.accessKeyId, secretAccessKey: 'not-the-secret' } }).read('plain.log'));
    expect(badSecret).toMatchObject({ kind: 'fatal', code: 'bad-credentials' });
    expect((badSecret as Error).message).not.toContain('not-the-secret');
  });

  it('tries a throttled GET again, as the SDK would, and gives up after three attempts', async () => {
    let refusals = 1;
    proxy.inject((request) => (request.kind === 'GET object' && refusals-- > 0 ? { status: 503, code: 'SlowDown' } : undefined));
    proxy.reset();
    const read = await store.read('plain.log');
    expect((await readAll(read!)).length).toBe(body.length);
    expect(proxy.requests.map((request) => request.status)).toEqual([503, 200]);

    proxy.inject((request) => (request.kind === 'GET object' ? { status: 503, code: 'SlowDown' } : undefined));
    proxy.reset();
    const error = await caught(store.read('plain.log'));
    proxy.inject(undefined);
    expect(error).toMatchObject({ kind: 'retryable', code: 'throttled' });
    expect(proxy.requests.length).toBe(3);
  });

  it('stops when its signal fires', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await caught(store.read('plain.log', controller.signal))).toBeInstanceOf(AbortedError);
  });
});

describe('S3 store reads from a server that breaks off', () => {
  let server: Server;
  let endpoint: string;

  beforeAll(async () => {
    // Answers every GET with a head promising 100,000 bytes, sends 10 and closes.
    server = createServer((socket) => {
      socket.once('data', () => {
        socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nContent-Type: text/plain\r\n\r\n0123456789');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('fails the stream with a retryable network error naming the key', async () => {
    const store = storeAt(endpoint, 'p/');
    const read = await store.read('i-1/short.log');
    const error = await caught(readAll(read!));
    expect(error).toBeInstanceOf(ArchiveError);
    expect(error).toMatchObject({ kind: 'retryable', code: 'network' });
    expect((error as Error).message).toContain('p/i-1/short.log');
  });
});
