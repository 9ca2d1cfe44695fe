/**
 * Gives the test run one S3-compatible bucket. With S3_TEST_ENDPOINT set, that server is used
 * as it is (the bucket must exist); otherwise a single-node Swift is started for the run and a
 * bucket created in it. Tests read the result with `s3Target()` from s3-target.ts.
 *
 * Only the vitest projects that need a bucket list this file (vitest.config.ts), and vitest
 * runs it once per such project. They share one server: the first setup starts it, each
 * project is given the same target, and the last teardown stops it. (Global setups all run in
 * vitest's main process; each project loads this module anew, so what they share is kept on
 * globalThis.)
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { TestProject } from 'vitest/node';
import type { ProvidedS3Target, S3Target } from './s3-target.js';
import { startSwift, type SwiftServer } from './swift.js';

const SWIFT_BUCKET = 'dcs-log-archiver-test';

interface Bucket {
  provided: ProvidedS3Target;
  stop(): Promise<void>;
}
interface Shared {
  projects: number;
  bucket: Promise<Bucket>;
}
const SHARED = Symbol.for('dcs-log-archiver.test-bucket');
const registry = globalThis as { [SHARED]?: Shared };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const shared = (registry[SHARED] ??= { projects: 0, bucket: startBucket() });
  shared.projects += 1;
  const bucket = await shared.bucket;
  project.provide('s3', bucket.provided);
  return async () => {
    shared.projects -= 1;
    if (shared.projects > 0) return;
    delete registry[SHARED];
    await bucket.stop();
  };
}

async function startBucket(): Promise<Bucket> {
  let swift: SwiftServer | undefined;
  let provided: ProvidedS3Target;
  const env = process.env;
  if (env.S3_TEST_ENDPOINT) {
    const missing = ['S3_TEST_ACCESS_KEY_ID', 'S3_TEST_SECRET_ACCESS_KEY', 'S3_TEST_BUCKET'].filter((name) => !env[name]);
    provided =
      missing.length > 0
        ? { unavailable: `S3_TEST_ENDPOINT is set but ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not` }
        : {
            target: {
              endpoint: env.S3_TEST_ENDPOINT,
              region: env.S3_TEST_REGION || 'us-east-1',
              accessKeyId: env.S3_TEST_ACCESS_KEY_ID!,
              secretAccessKey: env.S3_TEST_SECRET_ACCESS_KEY!,
              bucket: env.S3_TEST_BUCKET!,
              forcePathStyle: !/^(false|0|no)$/i.test(env.S3_TEST_FORCE_PATH_STYLE ?? 'true'),
            },
          };
  } else {
    try {
      swift = await startSwift(env.SWIFT_TEST_LOG ? { log: (line) => console.log(line) } : {});
      const target: S3Target = {
        endpoint: swift.endpoint,
        region: swift.region,
        accessKeyId: swift.accessKeyId,
        secretAccessKey: swift.secretAccessKey,
        bucket: SWIFT_BUCKET,
        forcePathStyle: true,
      };
      await createBucket(target);
      provided = { target };
    } catch (error) {
      await swift?.stop();
      swift = undefined;
      // Only the tests that need a bucket fail (with this reason); the rest of the suite still runs.
      provided = { unavailable: error instanceof Error ? error.message : String(error) };
      console.error(`S3 tests will fail: ${provided.unavailable}`);
    }
  }
  return {
    provided,
    stop: async () => {
      await swift?.stop();
    },
  };
}

async function createBucket(target: S3Target): Promise<void> {
  const client = new S3Client({
    endpoint: target.endpoint,
    region: target.region,
    forcePathStyle: target.forcePathStyle,
    credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: target.bucket }));
  } finally {
    client.destroy();
  }
}
