import { createServer } from 'node:net';
import { Readable } from 'node:stream';
import { AbortMultipartUploadCommand, CreateMultipartUploadCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { ArchiveError } from '../../src/errors.js';
import { createS3Store } from '../../src/store/s3-store.js';
import { TEST_AK, TEST_SK } from '../support/secrets.js';
import { clientFor, recordCommandNames, s3Target, uniquePrefix, type S3Target } from '../support/s3-target.js';
import { describeStoreContract } from './store-contract.js';

/** Deletes every object and aborts every upload under `prefix`: the shared bucket stays clean. */
async function emptyPrefix(target: S3Target, prefix: string): Promise<void> {
  const client = clientFor(target);
  try {
    const store = createS3Store({ bucket: target.bucket, prefix, region: target.region, client });
    for await (const object of store.list('')) await store.delete(object.key);
    for (const upload of await store.listPendingUploads('')) await store.abortPendingUpload(upload);
  } finally {
    client.destroy();
  }
}

describeStoreContract('S3', async ({ partSize, listPageSize }) => {
  const target = s3Target();
  const prefix = uniquePrefix('contract');
  // The store's own client, watched: every command it sends is recorded by name.
  const client = clientFor(target);
  const requests = recordCommandNames(client);
  const missingBucket = `no-such-bucket-${Date.now().toString(36)}`;
  return {
    store: createS3Store({ bucket: target.bucket, prefix, region: target.region, client, partSize, listPageSize }),
    missing: {
      store: createS3Store({
        bucket: missingBucket,
        prefix: '',
        endpoint: target.endpoint,
        region: target.region,
        forcePathStyle: target.forcePathStyle,
        credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
      }),
      name: missingBucket,
    },
    async createPendingUpload(key) {
      await client.send(new CreateMultipartUploadCommand({ Bucket: target.bucket, Key: prefix + key }));
    },
    requests: () => requests,
    async cleanup() {
      client.destroy();
      await emptyPrefix(target, prefix);
    },
  };
});

describe('S3 store', () => {
  function storeWith(overrides: Partial<Parameters<typeof createS3Store>[0]> = {}) {
    const target = s3Target();
    return createS3Store({
      bucket: target.bucket,
      prefix: uniquePrefix('s3-store'),
      endpoint: target.endpoint,
      region: target.region,
      forcePathStyle: target.forcePathStyle,
      credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
      ...overrides,
    });
  }

  it('names the bucket, the prefix and the endpoint origin in its location, never a credential', () => {
    const store = createS3Store({
      bucket: 'team-logs',
      prefix: 'dcs-runlogs',
      endpoint: 'https://user:pass@obs.example.com:8443/path',
      region: 'cn-north-4',
      credentials: { accessKeyId: TEST_AK, secretAccessKey: TEST_SK },
    });
    expect(store.location).toBe('s3://team-logs/dcs-runlogs/ at https://obs.example.com:8443');
    expect(createS3Store({ bucket: 'b', prefix: '', region: 'us-east-1' }).location).toBe('s3://b/');
  });

  it('refuses a destination prefix that climbs out of the bucket', () => {
    expect(() => createS3Store({ bucket: 'b', prefix: 'a/../../x/', region: 'us-east-1' })).toThrow(ArchiveError);
  });

  it('reports a wrong secret as fatal, with the next step and without any credential', async () => {
    const target = s3Target();
    const store = storeWith({ credentials: { accessKeyId: target.accessKeyId, secretAccessKey: TEST_SK } });
    const error = (await store.check().catch((caught: unknown) => caught)) as ArchiveError;
    expect(error).toBeInstanceOf(ArchiveError);
    expect(error.kind).toBe('fatal');
    expect(error.message).toContain(target.bucket);
    expect(error.message).toMatch(/AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID|credentials/);
    expect(JSON.stringify({ ...error, message: error.message, cause: error.cause })).not.toContain(TEST_SK);
    await store.close();
  });

  it('reports an unknown access key as fatal without echoing it', async () => {
    const store = storeWith({ credentials: { accessKeyId: TEST_AK, secretAccessKey: TEST_SK } });
    const error = (await store.check().catch((caught: unknown) => caught)) as ArchiveError;
    expect(error.kind).toBe('fatal');
    const seen = JSON.stringify({ ...error, message: error.message, stack: error.stack, cause: error.cause });
    expect(seen).not.toContain(TEST_AK);
    expect(seen).not.toContain(TEST_SK);
    await store.close();
  });

  it('reports an endpoint that refuses connections as retryable', async () => {
    const port = await closedPort();
    const store = storeWith({ endpoint: `http://127.0.0.1:${port}` });
    await expect(store.check()).rejects.toMatchObject({ kind: 'retryable', reason: 'store.network' });
    await store.close();
  });

  it('sends a body smaller than one part as a single PutObject', async () => {
    const target = s3Target();
    const prefix = uniquePrefix('single-put');
    const client = clientFor(target);
    const sent = recordCommandNames(client);
    const store = createS3Store({ bucket: target.bucket, prefix, region: target.region, client });
    try {
      await store.upload('one.log', Readable.from([Buffer.from('hello')]));
      expect(sent).toEqual(['PutObjectCommand']);
    } finally {
      client.destroy();
      await emptyPrefix(target, prefix);
    }
  });

  it('sends parts of exactly the part size, no more parts at once than the memory budget holds, and reads back the same bytes', async () => {
    const target = s3Target();
    const prefix = uniquePrefix('parts');
    const client = clientFor(target);
    const partSizes: number[] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'UploadPartCommand') return next(args);
        partSizes.push(Number((args.input as { ContentLength?: number }).ContentLength));
        mostInFlight = Math.max(mostInFlight, ++inFlight);
        try {
          return await next(args);
        } finally {
          inFlight--;
        }
      },
      { step: 'initialize', name: 'watchParts' },
    );
    const MiB = 1024 * 1024;
    const store = createS3Store({ bucket: target.bucket, prefix, region: target.region, client, partSize: 5 * MiB, memoryBytes: 15 * MiB });
    try {
      // Seven parts from chunks of odd sizes, so parts start and end inside chunks and each reused buffer is refilled.
      const data = Buffer.alloc(6 * 5 * MiB + 777);
      for (let i = 0; i + 4 <= data.length; i += 4) data.writeUInt32LE(Math.imul(i, 2654435761) >>> 0, i);
      const chunks: Buffer[] = [];
      for (let at = 0; at < data.length; at += 100_003) chunks.push(data.subarray(at, at + 100_003));
      expect((await store.upload('seven.log', Readable.from(chunks))).bytes).toBe(data.length);
      expect(partSizes).toEqual([5, 5, 5, 5, 5, 5].map((n) => n * MiB).concat(777));
      expect(mostInFlight).toBeLessThanOrEqual(3);
      expect((await store.get('seven.log'))?.body.equals(data)).toBe(true);

      // Exactly one part's worth is one PutObject, not a multipart upload of one part.
      partSizes.length = 0;
      expect((await store.upload('five.log', Readable.from([data.subarray(0, 3 * MiB), data.subarray(3 * MiB, 5 * MiB)]))).bytes).toBe(5 * MiB);
      expect(partSizes).toEqual([]);
      expect(await store.head('five.log')).toMatchObject({ size: 5 * MiB });
    } finally {
      client.destroy();
      await emptyPrefix(target, prefix);
    }
  });

  it('aborts only its own multipart upload when another one for the same key is pending', async () => {
    const target = s3Target();
    const prefix = uniquePrefix('own-upload');
    const client = clientFor(target);
    try {
      // Another runner's upload of the same key, still in progress.
      const theirs = await client.send(new CreateMultipartUploadCommand({ Bucket: target.bucket, Key: `${prefix}same.log` }));
      const store = createS3Store({ bucket: target.bucket, prefix, region: target.region, client, partSize: 5 * 1024 * 1024 });
      const failure = new Error('source failed');
      const body = Readable.from(
        (async function* () {
          yield Buffer.alloc(6 * 1024 * 1024);
          throw failure;
        })(),
      );
      await expect(store.upload('same.log', body)).rejects.toBe(failure);
      const left = await client.send(new ListMultipartUploadsCommand({ Bucket: target.bucket, Prefix: prefix }));
      expect((left.Uploads ?? []).map((upload) => upload.UploadId)).toEqual([theirs.UploadId]);
      await client.send(new AbortMultipartUploadCommand({ Bucket: target.bucket, Key: `${prefix}same.log`, UploadId: theirs.UploadId }));
    } finally {
      client.destroy();
      await emptyPrefix(target, prefix);
    }
  });

  it('leaves the shared bucket without objects from a finished test', async () => {
    const target = s3Target();
    const prefix = uniquePrefix('leftovers');
    const store = storeWith({ prefix });
    await store.put('x', 'y');
    await emptyPrefix(target, prefix);
    const client = clientFor(target);
    try {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: target.bucket, Prefix: prefix }));
      expect(listed.KeyCount ?? 0).toBe(0);
    } finally {
      client.destroy();
      await store.close();
    }
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 1;
}
