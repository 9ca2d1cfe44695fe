/**
 * destination.storageClass, serverSideEncryption, tags and objectLock through the built CLI.
 * Where the server honours a setting (Ceph RGW in CI), the objects carry it (HEAD, tagging),
 * records note it, a second pass uploads nothing and `verify --deep` is clean. Where it does
 * not (Swift), the pass stops at its start check naming the setting, with nothing archived.
 * See test/support/storage-features.ts for when a test runs or skips.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectRetentionCommand, GetObjectTaggingCommand, HeadObjectCommand, type HeadObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { DcsSimulator } from '../../sim/index.js';
import { parseRecord, type ArchiveRecord } from '../../src/records/record.js';
import { createS3Store } from '../../src/store/s3-store.js';
import { runCli, simEnv, type CliResult } from '../support/cli.js';
import { dayBefore } from '../support/days.js';
import { s3Target, uniquePrefix } from '../support/s3-target.js';
import { TEST_AK, TEST_LINK_SECRET, TEST_PROJECT_ID, TEST_SK } from '../support/secrets.js';
import { clientOf, kmsKeyId, lockedBucket, storageSettingsRequired, unsupported, type StorageFeature } from '../support/storage-features.js';

/**
 * One log below the part size (a single PUT) and one above it (a multipart upload of 5 MiB
 * parts): every setting must reach both. Ceph 16 drops `x-amz-tagging` and the Object Lock
 * headers of CreateMultipartUpload, which the archiver then applies after completion.
 */
const INSTANCE = 'inst-storage';
const MiB = 1024 * 1024;

describe('storage settings of the objects the archiver writes', () => {
  const target = s3Target();
  const env = { AWS_ACCESS_KEY_ID: target.accessKeyId, AWS_SECRET_ACCESS_KEY: target.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true' };
  let sim: DcsSimulator;
  let client: S3Client;

  beforeAll(async () => {
    sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK }, linkSecret: TEST_LINK_SECRET });
    const instance = sim.addInstance(TEST_PROJECT_ID, { id: INSTANCE, name: 'cache-storage', cacheMode: 'single' });
    const replica = instance.replicas[0]!;
    // One plain PUT, one multipart upload (5 MiB parts): the settings must reach both.
    sim.addLog(TEST_PROJECT_ID, INSTANCE, { replicationIp: replica.ip, groupName: replica.groupName, date: dayBefore(1), size: 3_000 });
    sim.addLog(TEST_PROJECT_ID, INSTANCE, { replicationIp: replica.ip, groupName: replica.groupName, date: dayBefore(2), size: 6 * MiB + 17 });
    client = clientOf(target);
  });

  afterAll(async () => {
    await sim?.close();
    client?.destroy();
  });

  const cli = async (command: string, bucket: string, prefix: string, settings: Record<string, unknown>, ...args: string[]): Promise<CliResult> => {
    const dir = await mkdtemp(join(tmpdir(), 'archiver-storage-e2e-'));
    const path = join(dir, 'config.json');
    const config = {
      dcs: { endpoint: sim.endpoint, projectId: TEST_PROJECT_ID, allowHttp: true, retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 } },
      instances: [INSTANCE],
      collect: { enabled: false },
      archive: { partSizeMiB: 5 },
      destination: { url: `s3://${bucket}/${prefix}`, endpoint: target.endpoint, region: target.region, forcePathStyle: target.forcePathStyle, ...settings },
      server: { port: null },
    };
    await writeFile(path, JSON.stringify(config));
    return runCli([command, '--config', path, ...args], simEnv(env));
  };

  const storeAt = (bucket: string, prefix: string) =>
    createS3Store({ bucket, prefix, endpoint: target.endpoint, region: target.region, forcePathStyle: target.forcePathStyle, credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey } });

  const recordsAt = async (bucket: string, prefix: string): Promise<ArchiveRecord[]> => {
    const store = storeAt(bucket, prefix);
    try {
      const records: ArchiveRecord[] = [];
      for await (const object of store.list('records/')) {
        const record = parseRecord((await store.get(object.key))!.body.toString('utf8'));
        if (typeof record === 'string') throw new Error(`${object.key}: ${record}`);
        records.push(record);
      }
      return records;
    } finally {
      await store.close();
    }
  };

  /** Skips (saying why) where the server lacks `feature`, unless this run requires it. */
  const requireFeature = async (ctx: TestContext, feature: StorageFeature) => {
    const why = await unsupported(target, feature);
    if (why === undefined) return;
    if (storageSettingsRequired()) throw new Error(`S3_TEST_STORAGE_SETTINGS=required, but ${why}`);
    ctx.skip(`${feature}: ${why} (S3_TEST_STORAGE_SETTINGS=required makes this a failure)`);
  };

  /**
   * Archives with `settings`, then for every log object (the single PUT and the multipart one):
   * `check` of its HEAD and record; a second pass uploads nothing; `verify --deep` is clean.
   */
  const provenOn = async (
    bucket: string,
    settings: Record<string, unknown>,
    check: (head: HeadObjectCommandOutput, record: ArchiveRecord, fullKey: string) => Promise<void> | void,
  ) => {
    const prefix = uniquePrefix('e2e-storage');
    const first = await cli('archive', bucket, prefix, settings);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.lines.filter((line) => line.msg === 'archived')).toHaveLength(2);

    const records = await recordsAt(bucket, prefix);
    expect(records).toHaveLength(2);
    expect(records.filter((record) => record.storedBytes > 5 * MiB), 'one object larger than a part').toHaveLength(1);
    for (const record of records) {
      const fullKey = prefix + record.key;
      await check(await client.send(new HeadObjectCommand({ Bucket: bucket, Key: fullKey })), record, fullKey);
    }
    // Records, manifests and run reports: encrypted like the logs, but in the standard class.
    const manifest = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: `${prefix}manifests/${INSTANCE}.json` }));
    expect(manifest.StorageClass ?? 'STANDARD').toBe('STANDARD');
    expect(manifest.ObjectLockMode).toBeUndefined();

    const again = await cli('archive', bucket, prefix, settings);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.lines.filter((line) => line.msg === 'archived')).toHaveLength(0);

    const verify = await cli('verify', bucket, prefix, settings, '--deep');
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    return records;
  };

  it('puts log objects in destination.storageClass, and records note it', async (ctx) => {
    await requireFeature(ctx, 'storageClass');
    await provenOn(target.bucket, { storageClass: 'STANDARD_IA' }, (head, record) => {
      expect(head.StorageClass).toBe('STANDARD_IA');
      expect(record.storageClass).toBe('STANDARD_IA');
    });
  });

  it('encrypts every object with aws:kms and the configured key, multipart included, and records note it', async (ctx) => {
    await requireFeature(ctx, 'kms');
    const key = kmsKeyId()!;
    await provenOn(target.bucket, { serverSideEncryption: 'aws:kms', kmsKeyId: key }, (head, record) => {
      expect(head.ServerSideEncryption).toBe('aws:kms');
      expect(head.SSEKMSKeyId).toBe(key);
      expect(record).toMatchObject({ serverSideEncryption: 'aws:kms', kmsKeyId: key });
    });
  });

  it('tags log objects with the configured tags and their instance and day, multipart included', async (ctx) => {
    await requireFeature(ctx, 'tags');
    await provenOn(target.bucket, { tags: { team: 'sre', purpose: 'audit log' } }, async (_head, record, fullKey) => {
      const tags = await client.send(new GetObjectTaggingCommand({ Bucket: target.bucket, Key: fullKey }));
      const found = Object.fromEntries((tags.TagSet ?? []).map((tag) => [tag.Key, tag.Value]));
      expect(found, fullKey).toEqual({ team: 'sre', purpose: 'audit log', 'dcs-instance': INSTANCE, 'dcs-date': record.date });
    });
  });

  it('retains log objects under Object Lock for destination.objectLock.days, multipart included, and records note the date', async (ctx) => {
    await requireFeature(ctx, 'objectLock');
    const bucket = await lockedBucket(target);
    const before = Date.now();
    await provenOn(bucket, { objectLock: { mode: 'GOVERNANCE', days: 1 } }, async (head, record, fullKey) => {
      expect(head.ObjectLockMode, fullKey).toBe('GOVERNANCE');
      const until = new Date(head.ObjectLockRetainUntilDate!).getTime();
      expect(until).toBeGreaterThanOrEqual(before + 86_400_000 - 1_000);
      expect(until).toBeLessThan(Date.now() + 86_400_000 + 1_000);
      expect(record.objectLock).toEqual({ mode: 'GOVERNANCE', retainUntil: new Date(until).toISOString() });
      const retention = await client.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: fullKey }));
      expect(retention.Retention?.Mode).toBe('GOVERNANCE');
      expect(new Date(retention.Retention!.RetainUntilDate!).getTime()).toBe(until);
    });
  });

  it('verify reports log objects archived without the lock destination.objectLock asks for', async (ctx) => {
    await requireFeature(ctx, 'objectLock');
    const bucket = await lockedBucket(target);
    const prefix = uniquePrefix('e2e-storage-unlocked');
    const first = await cli('archive', bucket, prefix, {});
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const verify = await cli('verify', bucket, prefix, { objectLock: { mode: 'GOVERNANCE', days: 1 } });
    expect(verify.code).toBe(1);
    expect(verify.lines.filter((line) => line.kind === 'lock-missing')).toHaveLength(2);
  });

  describe('a setting the server does not honour stops the pass at its start check, naming it, with nothing archived', () => {
    const refusedOn = async (settings: Record<string, unknown>, setting: string) => {
      const prefix = uniquePrefix('e2e-storage-refused');
      const result = await cli('archive', target.bucket, prefix, settings);
      expect(result.code, result.stdout + result.stderr).toBe(1);
      const finished = result.lines.find((line) => line.msg === 'pass finished');
      expect(finished?.reason).toBe('store.unsupported-setting');
      expect(String(finished?.error)).toContain(setting);
      expect(result.lines.filter((line) => line.msg === 'archived')).toHaveLength(0);
      const store = storeAt(target.bucket, prefix);
      try {
        const left: string[] = [];
        for await (const object of store.list('')) left.push(object.key);
        expect(left, 'no log, record, report or probe object').toEqual([]);
      } finally {
        await store.close();
      }
      return String(finished?.error);
    };
    /** Runs where the server lacks `feature` (Swift); skips, saying so, where it has it. */
    const lacking = async (ctx: TestContext, feature: StorageFeature) => {
      if ((await unsupported(target, feature)) === undefined) ctx.skip(`the server honours ${feature}: nothing to refuse`);
    };

    it('Object Lock on a bucket without it', async () => {
      const message = await refusedOn({ objectLock: { mode: 'COMPLIANCE', days: 30 } }, 'destination.objectLock');
      expect(message).toContain('has no Object Lock enabled');
    });

    it('AES256 that the server refuses or silently leaves out', async (ctx) => {
      await lacking(ctx, 'aes256');
      await refusedOn({ serverSideEncryption: 'AES256' }, 'destination.serverSideEncryption "AES256"');
    });

    it('a storage class the server does not have', async (ctx) => {
      await lacking(ctx, 'storageClass');
      await refusedOn({ storageClass: 'STANDARD_IA' }, 'destination.storageClass "STANDARD_IA"');
    });

    it('object tags', async (ctx) => {
      await lacking(ctx, 'tags');
      await refusedOn({ tags: { team: 'sre' } }, 'destination.tags');
    });

    it('aws:kms', async (ctx) => {
      await lacking(ctx, 'kms');
      await refusedOn({ serverSideEncryption: 'aws:kms', ...(kmsKeyId() ? { kmsKeyId: kmsKeyId() } : {}) }, 'destination.serverSideEncryption "aws:kms"');
    });
  });
});
