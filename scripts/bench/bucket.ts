/** The bucket the archiver writes to: a local Swift (test/support/swift.ts) and a client for it. */
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/store/s3-store.js';
import { startSwift, type SwiftServer } from '../../test/support/swift.js';

export const BUCKET = 'dcs-bench';

export interface Bucket {
  swift: SwiftServer;
  client: S3Client;
  bucket: string;
  stop(): Promise<void>;
}

export async function startBucket(): Promise<Bucket> {
  const swift = await startSwift();
  const client = createS3Client({
    region: swift.region,
    endpoint: swift.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: swift.accessKeyId, secretAccessKey: swift.secretAccessKey },
    maxSockets: 64,
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  } catch (error) {
    client.destroy();
    await swift.stop();
    throw error;
  }
  return {
    swift,
    client,
    bucket: BUCKET,
    stop: async () => {
      client.destroy();
      await swift.stop();
    },
  };
}

/** Runs `count` calls of `fn`, `concurrency` at a time; resolves with calls per second. */
export async function inPool(count: number, concurrency: number, fn: (index: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await fn(next++);
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

export interface StoreRates {
  /** Small-object PUTs per second. */
  putPerSecond: number;
  /** The steady-state pair (one GET of a small object + one prefix LIST with StartAfter) per second. */
  getListPairsPerSecond: number;
  concurrency: number;
}

/**
 * What the store itself can do, measured from this process with the archiver's kind of requests:
 * the floor under every figure that waits on the bucket.
 */
export async function measureStoreRates(b: Bucket, prefix: string, count: number, concurrency: number): Promise<StoreRates> {
  const body = JSON.stringify({ padding: 'x'.repeat(560) });
  const putPerSecond = await inPool(count, concurrency, (i) =>
    b.client.send(new PutObjectCommand({ Bucket: b.bucket, Key: `${prefix}records/i${i}/2000-01-01/r.json`, Body: body, ContentType: 'application/json' })),
  );
  const getListPairsPerSecond = await inPool(count, concurrency, async (i) => {
    const got = await b.client.send(new GetObjectCommand({ Bucket: b.bucket, Key: `${prefix}records/i${i}/2000-01-01/r.json` }));
    await got.Body?.transformToString();
    await b.client.send(new ListObjectsV2Command({ Bucket: b.bucket, Prefix: `${prefix}records/i${i}/`, StartAfter: `${prefix}records/i${i}/1999-12-31` }));
  });
  return { putPerSecond, getListPairsPerSecond, concurrency };
}
