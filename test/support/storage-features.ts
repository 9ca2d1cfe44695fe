/**
 * Which storage settings the test bucket's server honours, so the tests that prove a setting can
 * be selected: against a server without it (Swift) they skip, saying why; in the Ceph RGW CI run
 * (scripts/test-ceph-rgw.sh sets S3_TEST_STORAGE_SETTINGS=required) they always run, and fail
 * loudly if the server does not honour it. Decided by the flag, never by a failure to set up.
 */
import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectLockConfigurationCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
} from '@aws-sdk/client-s3';
import type { S3Target } from './s3-target.js';

export type StorageFeature = 'storageClass' | 'kms' | 'aes256' | 'tags' | 'objectLock';

/** True in the run whose server must honour every storage setting. */
export function storageSettingsRequired(): boolean {
  return process.env.S3_TEST_STORAGE_SETTINGS === 'required';
}

/** The KMS key id the server knows (RGW's testing backend in scripts/ceph-rgw.sh). */
export function kmsKeyId(): string | undefined {
  return process.env.S3_TEST_KMS_KEY_ID || undefined;
}

export function clientOf(target: S3Target): S3Client {
  return new S3Client({
    endpoint: target.endpoint,
    region: target.region,
    forcePathStyle: target.forcePathStyle,
    credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Undefined when the server honours `feature`; else why not (one probe object, removed). */
export async function unsupported(target: S3Target, feature: StorageFeature): Promise<string | undefined> {
  const client = clientOf(target);
  const key = `tests/feature-probe-${randomBytes(6).toString('hex')}`;
  const put = async (params: Partial<PutObjectCommandInput>) => {
    await client.send(new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: 'x', ...params }));
    return client.send(new HeadObjectCommand({ Bucket: target.bucket, Key: key }));
  };
  try {
    switch (feature) {
      case 'storageClass':
        return (await put({ StorageClass: 'STANDARD_IA' })).StorageClass === 'STANDARD_IA' ? undefined : 'the server does not keep the STANDARD_IA class';
      case 'aes256':
        return (await put({ ServerSideEncryption: 'AES256' })).ServerSideEncryption === 'AES256' ? undefined : 'the server does not encrypt with AES256';
      case 'kms': {
        const id = kmsKeyId();
        if (!id) return 'S3_TEST_KMS_KEY_ID names no key of the server';
        return (await put({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: id })).ServerSideEncryption === 'aws:kms' ? undefined : 'the server does not encrypt with aws:kms';
      }
      case 'tags': {
        await put({ Tagging: 'probe=1' });
        const tags = await client.send(new GetObjectTaggingCommand({ Bucket: target.bucket, Key: key }));
        return tags.TagSet?.some((tag) => tag.Key === 'probe') ? undefined : 'the server keeps no object tags';
      }
      case 'objectLock': {
        const bucket = await lockedBucket(target);
        const lock = await client.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
        return lock.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled' ? undefined : 'the server makes no bucket with Object Lock';
      }
    }
  } catch (error) {
    return `the server refused it (${(error as Error).name}: ${(error as Error).message})`;
  } finally {
    await client.send(new DeleteObjectCommand({ Bucket: target.bucket, Key: key })).catch(() => undefined);
    client.destroy();
  }
}

const LOCKED = Symbol.for('dcs-log-archiver.test-locked-bucket');
const registry = globalThis as { [LOCKED]?: Promise<string> };

/**
 * A bucket with Object Lock enabled (and so versioning), made once per test process. Its locked
 * objects outlive the run by their retention (1 day in the tests); on a CI cluster in a temp dir
 * that is gone with the cluster.
 */
export function lockedBucket(target: S3Target): Promise<string> {
  registry[LOCKED] ??= (async () => {
    const client = clientOf(target);
    const bucket = `${target.bucket.slice(0, 40)}-lock-${randomBytes(4).toString('hex')}`;
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
      return bucket;
    } finally {
      client.destroy();
    }
  })();
  return registry[LOCKED];
}
