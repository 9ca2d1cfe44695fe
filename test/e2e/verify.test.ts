import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateMultipartUploadCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestKey } from '../../src/records/layout.js';
import type { ArchiveRecord, Manifest } from '../../src/records/record.js';
import { createS3Client, createS3Store } from '../../src/store/s3-store.js';
import type { BucketStore } from '../../src/store/store.js';
import { leakedSecrets, runCli, type CliResult } from '../support/cli.js';
import { s3Target, uniquePrefix, type S3Target } from '../support/s3-target.js';
import { archiveFleet, INSTANCE_A, INSTANCE_B } from '../support/archived-fleet.js';

describe('verify against an S3-compatible bucket (Swift) archived by a real pass', () => {
  let target: S3Target;
  let prefix: string;
  let store: BucketStore;
  let client: S3Client;
  let configPath: string;
  let bucketEnv: Record<string, string>;
  const outputs: CliResult[] = [];

  /** The CLI as users run it: only the bucket's credentials, none for DCS. */
  const verify = async (...args: string[]) => {
    const result = await runCli(['verify', '--config', configPath, ...args], { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_FORMAT: 'json', ...bucketEnv });
    outputs.push(result);
    return result;
  };
  const finished = (result: CliResult) => result.lines.find((line) => line.msg === 'verify finished');
  const kindsOf = (result: CliResult) => result.lines.filter((line) => typeof line.kind === 'string').map((line) => line.kind);

  async function record(instanceId: string, index: number): Promise<ArchiveRecord> {
    const keys: string[] = [];
    for await (const object of store.list(`records/${instanceId}/`)) keys.push(object.key);
    return JSON.parse((await store.get(keys[index]!))!.body.toString()) as ArchiveRecord;
  }

  beforeAll(async () => {
    target = s3Target();
    prefix = uniquePrefix('e2e-verify');
    const destination = { url: `s3://${target.bucket}/${prefix}`, endpoint: target.endpoint, region: target.region, forcePathStyle: target.forcePathStyle };
    bucketEnv = { AWS_ACCESS_KEY_ID: target.accessKeyId, AWS_SECRET_ACCESS_KEY: target.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true' };
    await archiveFleet(destination, bucketEnv);
    const credentials = { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey };
    client = createS3Client({ region: target.region, endpoint: target.endpoint, forcePathStyle: target.forcePathStyle, credentials });
    store = createS3Store({ bucket: target.bucket, prefix, region: target.region, client });
    const dir = await mkdtemp(join(tmpdir(), 'archiver-verify-e2e-'));
    configPath = join(dir, 'config.json');
    // No DCS section beyond the defaults: verify never talks to DCS.
    await writeFile(configPath, JSON.stringify({ instances: [INSTANCE_A, INSTANCE_B], destination }));
  }, 120_000);

  afterAll(async () => {
    for (const upload of (await store?.listPendingUploads('')) ?? []) await store.abortPendingUpload(upload);
    await store?.close();
    client?.destroy();
    for (const output of outputs) expect(leakedSecrets(output.stdout + output.stderr, [], [target.secretAccessKey])).toEqual([]);
  });

  it('exits 0 on a clean archive, reading every object back with --deep', async () => {
    const result = await verify('--deep');
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(kindsOf(result)).toEqual([]);
    expect(finished(result)).toMatchObject({ level: 'info', clean: true, deep: true, instances: 2, records: 9, objectsRead: 9, unresolved: 0 });
  });

  it('exits 1 on a corrupted object only with --deep, naming the object and its record', async () => {
    const victim = await record(INSTANCE_B, 2);
    const original = (await store.get(victim.key))!.body;
    const corrupted = Buffer.from(original);
    const at = Math.floor(corrupted.length / 2);
    corrupted[at] = corrupted[at]! ^ 0x01;
    await store.put(victim.key, corrupted);
    try {
      const shallow = await verify();
      expect(shallow.code, shallow.stdout).toBe(0);

      const deep = await verify('--deep');
      expect(deep.code, deep.stdout).toBe(1);
      expect(deep.lines.filter((line) => line.kind === 'hash-mismatch')).toEqual([
        expect.objectContaining({ level: 'error', key: victim.key, instance: INSTANCE_B, expected: victim.sha256, record: expect.stringMatching(/^records\/inst-b\//) }),
      ]);
      expect(finished(deep)).toMatchObject({ level: 'error', clean: false, problems: { 'hash-mismatch': 1 }, unresolved: 1 });
    } finally {
      await store.put(victim.key, original);
    }
  });

  it('reports a multipart upload as in progress, as orphaned past --older-than, and aborts it with --fix', async () => {
    const created = await client.send(new CreateMultipartUploadCommand({ Bucket: target.bucket, Key: `${prefix}inst-a/2020-01-01/redis.log` }));

    const young = await verify();
    expect(young.code, young.stdout).toBe(0);
    expect(young.lines.filter((line) => line.kind === 'upload-in-progress')).toEqual([expect.objectContaining({ key: 'inst-a/2020-01-01/redis.log', uploadId: created.UploadId })]);

    const old = await verify('--older-than', '0');
    expect(old.code, old.stdout).toBe(1);
    expect(old.lines.filter((line) => line.kind === 'orphaned-upload')).toEqual([expect.objectContaining({ key: 'inst-a/2020-01-01/redis.log', uploadId: created.UploadId })]);
    expect(await store.listPendingUploads('')).toHaveLength(1);

    const fixed = await verify('--older-than', '0', '--fix');
    expect(fixed.code, fixed.stdout).toBe(0);
    expect(kindsOf(fixed)).toEqual(['orphaned-upload', 'fixed-orphaned-upload']);
    expect(await store.listPendingUploads('')).toEqual([]);
  });

  it('reports a stale manifest and rebuilds it with --fix', async () => {
    const manifest = JSON.parse((await store.get(manifestKey(INSTANCE_A)))!.body.toString()) as Manifest;
    await store.put(manifestKey(INSTANCE_A), JSON.stringify({ ...manifest, entries: manifest.entries.slice(1) }));

    const stale = await verify();
    expect(stale.code, stale.stdout).toBe(1);
    expect(kindsOf(stale)).toEqual(['manifest-missing-entry']);

    const fixed = await verify('--fix');
    expect(fixed.code, fixed.stdout).toBe(0);
    expect(kindsOf(fixed)).toEqual(['manifest-missing-entry', 'fixed-manifest']);
    const rebuilt = JSON.parse((await store.get(manifestKey(INSTANCE_A)))!.body.toString()) as Manifest;
    expect(rebuilt.entries).toHaveLength(manifest.entries.length);

    const again = await verify();
    expect(again.code, again.stdout).toBe(0);
  });

  it('reports an object no record names and leaves it in place with --fix', async () => {
    await store.put('other-tool/readme.txt', 'hello');
    try {
      const result = await verify('--fix');
      expect(result.code, result.stdout).toBe(1);
      expect(result.lines.filter((line) => line.kind === 'unrecorded-object')).toEqual([expect.objectContaining({ key: 'other-tool/readme.txt', actual: 5 })]);
      expect(await store.head('other-tool/readme.txt')).toBeDefined();
    } finally {
      await store.delete('other-tool/readme.txt');
    }
  });

  it('checks only the given instance with --instance', async () => {
    const victim = await record(INSTANCE_B, 0);
    const original = (await store.get(victim.key))!.body;
    await store.delete(victim.key);
    try {
      const onlyA = await verify('--instance', INSTANCE_A);
      expect(onlyA.code, onlyA.stdout).toBe(0);
      expect(finished(onlyA)).toMatchObject({ scope: 'instances', instances: 1, records: 3 });

      const onlyB = await verify('--instance', INSTANCE_B);
      expect(onlyB.code, onlyB.stdout).toBe(1);
      expect(kindsOf(onlyB)).toEqual(['missing-object']);
    } finally {
      await store.put(victim.key, original);
    }
  });

  it('refuses an --instance that names nothing configured or archived with exit 2, instead of a clean audit of nothing', async () => {
    const result = await verify('--instance', 'no-such-instance');
    expect(result.code, result.stdout).toBe(2);
    expect(result.lines[0]).toMatchObject({ level: 'error', key: '--instance' });
    expect(String(result.lines[0]!.msg)).toContain('"no-such-instance" names no configured instance and nothing of it is in');
  });

  it('refuses a malformed --older-than with exit 2 before touching the bucket', async () => {
    const result = await verify('--older-than', 'an hour');
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('--older-than');
    expect(result.stdout).toContain('a whole number of minutes');
  });

  it('exits 1 with a clear message when the bucket credentials are wrong', async () => {
    const result = await runCli(['verify', '--config', configPath], { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_FORMAT: 'json', ...bucketEnv, AWS_SECRET_ACCESS_KEY: 'wrong-secret-for-verify' });
    outputs.push(result);
    expect(result.code).toBe(1);
    expect(result.lines.at(-1)).toMatchObject({ level: 'error', kind: 'fatal', msg: expect.stringContaining('verify could not finish') });
    expect(result.stdout).not.toContain('wrong-secret-for-verify');
  });
});
