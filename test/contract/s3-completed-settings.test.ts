/**
 * Tags and retention on multipart log objects: the store applies them again to the completed
 * version (Ceph 16 drops them from CreateMultipartUpload), and a file whose re-apply fails is not
 * stored half-configured. Needs a server with object tags and Object Lock (Ceph RGW in CI); skips
 * elsewhere, saying why, unless S3_TEST_STORAGE_SETTINGS=required.
 */
import { Readable } from 'node:stream';
import { GetObjectRetentionCommand, GetObjectTaggingCommand, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it, type TestContext } from 'vitest';
import { isArchiveError } from '../../src/errors.js';
import type { ObjectSettings } from '../../src/store/object-settings.js';
import { createS3Store } from '../../src/store/s3-store.js';
import { clientFor, recordCommandNames, s3Target, uniquePrefix } from '../support/s3-target.js';
import { lockedBucket, storageSettingsRequired, unsupported, type StorageFeature } from '../support/storage-features.js';

const MiB = 1024 * 1024;
const OWN = { 'dcs-instance': 'i-1', 'dcs-date': '2026-11-30' };

describe('S3 store: tags and retention of multipart objects', () => {
  const target = s3Target();

  const requireFeatures = async (ctx: TestContext, ...features: StorageFeature[]) => {
    for (const feature of features) {
      const why = await unsupported(target, feature);
      if (why === undefined) continue;
      if (storageSettingsRequired()) throw new Error(`S3_TEST_STORAGE_SETTINGS=required, but ${why}`);
      ctx.skip(`${feature}: ${why} (S3_TEST_STORAGE_SETTINGS=required makes this a failure)`);
    }
  };

  /** The store's own client, with every command it sends recorded by name. */
  const watchedClient = () => {
    const client = clientFor(target);
    return { client, sent: recordCommandNames(client) };
  };

  /** A real refusal by the server: every PutObjectTagging body is spoiled after it was built. */
  const spoilTagging = (client: S3Client) =>
    client.middlewareStack.add(
      (next, context) => (args) => {
        if (context.commandName === 'PutObjectTaggingCommand') {
          const request = args.request as { body?: unknown; headers: Record<string, string> };
          request.body = '<Tagging><TagSet><Tag>';
          request.headers['content-length'] = String((request.body as string).length);
        }
        return next(args);
      },
      { step: 'build', name: 'spoilTagging' },
    );

  const body = () => Readable.from([Buffer.alloc(5 * MiB, 7), Buffer.from('one more part\n')]);
  const tagsOf = async (client: S3Client, bucket: string, key: string) =>
    Object.fromEntries(((await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }))).TagSet ?? []).map((tag) => [tag.Key, tag.Value]));

  it('gives a completed multipart object its tags and retention, and a single PUT no extra request', async (ctx) => {
    await requireFeatures(ctx, 'tags', 'objectLock');
    const bucket = await lockedBucket(target);
    const prefix = uniquePrefix('completed-settings');
    const { client, sent } = watchedClient();
    const objects: ObjectSettings = { tags: { team: 'sre' }, objectLock: { mode: 'GOVERNANCE', days: 1 } };
    const store = createS3Store({ bucket, prefix, region: target.region, client, partSize: 5 * MiB, objects });
    try {
      const written = await store.upload('big.log', body(), { tags: OWN });
      expect(sent).toEqual(['CreateMultipartUploadCommand', 'UploadPartCommand', 'UploadPartCommand', 'CompleteMultipartUploadCommand', 'PutObjectTaggingCommand', 'PutObjectRetentionCommand']);
      expect(await tagsOf(client, bucket, prefix + 'big.log')).toEqual({ team: 'sre', ...OWN });
      const retention = (await client.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: prefix + 'big.log' }))).Retention;
      expect(retention?.Mode).toBe('GOVERNANCE');
      expect(new Date(retention!.RetainUntilDate!).toISOString()).toBe(written.storage?.objectLock?.retainUntil);

      sent.length = 0;
      await store.upload('small.log', Readable.from([Buffer.from('hello\n')]), { tags: OWN });
      expect(sent).toEqual(['PutObjectCommand']);
      expect(await tagsOf(client, bucket, prefix + 'small.log')).toEqual({ team: 'sre', ...OWN });
    } finally {
      // The objects stay locked for a day, in a bucket of their own that goes with the test cluster.
      client.destroy();
    }
  });

  it('fails the upload and removes the completed version when the store refuses the tags after completion', async (ctx) => {
    await requireFeatures(ctx, 'tags', 'objectLock');
    // Versioned (Object Lock needs versioning), no lock configured: the version can be removed.
    const bucket = await lockedBucket(target);
    const prefix = uniquePrefix('completed-settings-refused');
    const { client, sent } = watchedClient();
    spoilTagging(client);
    const store = createS3Store({ bucket, prefix, region: target.region, client, partSize: 5 * MiB, objects: { tags: { team: 'sre' } } });
    try {
      const failure = await store.upload('big.log', body(), { tags: OWN }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isArchiveError(failure), String(failure)).toBe(true);
      expect(sent).toContain('CompleteMultipartUploadCommand');
      expect(sent.at(-1)).toBe('DeleteObjectCommand');
      const versions = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix }));
      expect([...(versions.Versions ?? []), ...(versions.DeleteMarkers ?? [])]).toEqual([]);
      expect(await store.head('big.log')).toBeUndefined();
    } finally {
      client.destroy();
    }
  });

  it('proves the tags at the start check on a single PUT and on a multipart upload, then leaves nothing', async (ctx) => {
    await requireFeatures(ctx, 'tags');
    const prefix = uniquePrefix('completed-settings-check');
    const { client, sent } = watchedClient();
    const store = createS3Store({ bucket: target.bucket, prefix, region: target.region, client, objects: { tags: { team: 'sre' } } });
    try {
      await store.check(undefined, { probeKey: 'probe/settings' });
      expect(sent.filter((name) => /Put|Multipart|UploadPart|Tagging/.test(name))).toEqual([
        'PutObjectCommand',
        'GetObjectTaggingCommand',
        'CreateMultipartUploadCommand',
        'UploadPartCommand',
        'CompleteMultipartUploadCommand',
        'PutObjectTaggingCommand',
        'GetObjectTaggingCommand',
      ]);
      const versions = await client.send(new ListObjectVersionsCommand({ Bucket: target.bucket, Prefix: prefix }));
      expect((versions.Versions ?? []).map((version) => version.Key)).toEqual([]);
      expect(await store.listPendingUploads('')).toEqual([]);
    } finally {
      client.destroy();
    }
  });

  it('stops at the start check, naming destination.tags, when the store refuses tags after a multipart upload, and leaves nothing', async (ctx) => {
    await requireFeatures(ctx, 'tags', 'objectLock');
    const bucket = await lockedBucket(target);
    const prefix = uniquePrefix('completed-settings-check-refused');
    const { client } = watchedClient();
    spoilTagging(client);
    const store = createS3Store({ bucket, prefix, region: target.region, client, objects: { tags: { team: 'sre' } } });
    try {
      const failure = await store.check(undefined, { probeKey: 'probe/settings' }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isArchiveError(failure) && failure.code, String(failure)).toBe('unsupported-setting');
      expect(String(failure)).toContain('destination.tags');
      expect(String(failure)).toContain('by a multipart upload');
      const versions = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix }));
      expect([...(versions.Versions ?? []), ...(versions.DeleteMarkers ?? [])]).toEqual([]);
      expect(await store.listPendingUploads('')).toEqual([]);
    } finally {
      client.destroy();
    }
  });
});
