/**
 * destination.retentionDays through the CLI, against Swift: a record archived long ago whose
 * object a lifecycle rule removed is `expired`, not lost; coverage does not count days past the
 * retention; a rebuilt manifest leaves such records out; nothing deletes an object.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DcsSimulator } from '../../sim/index.js';
import { rebuildManifest } from '../../src/records/book.js';
import { manifestKey, recordKey } from '../../src/records/layout.js';
import { recordText, type ArchiveRecord, type Manifest } from '../../src/records/record.js';
import { createS3Store } from '../../src/store/s3-store.js';
import type { BucketStore } from '../../src/store/store.js';
import { archiveFleet, dayBefore, INSTANCE_A, INSTANCE_B } from '../support/archived-fleet.js';
import { leakedSecrets, runCli, simEnv, type CliResult } from '../support/cli.js';
import { s3Target, uniquePrefix } from '../support/s3-target.js';
import { TEST_AK, TEST_LINK_SECRET, TEST_PROJECT_ID, TEST_SK } from '../support/secrets.js';

describe('retention: what a lifecycle rule expires is told apart from what is lost', () => {
  const target = s3Target();
  const prefix = uniquePrefix('e2e-retention');
  const destination = { url: `s3://${target.bucket}/${prefix}`, endpoint: target.endpoint, region: target.region, forcePathStyle: target.forcePathStyle };
  const env = { AWS_ACCESS_KEY_ID: target.accessKeyId, AWS_SECRET_ACCESS_KEY: target.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true' };
  const outputs: CliResult[] = [];
  let store: BucketStore;
  let sim: DcsSimulator;
  let expired: ArchiveRecord;
  let expiredRecordKey: string;

  const configFile = async (retentionDays: number | null) => {
    const dir = await mkdtemp(join(tmpdir(), 'archiver-retention-e2e-'));
    const path = join(dir, 'config.json');
    const config = {
      dcs: { endpoint: sim.endpoint, projectId: TEST_PROJECT_ID, allowHttp: true, retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 } },
      instances: [INSTANCE_A, INSTANCE_B],
      collect: { enabled: false },
      destination: { ...destination, retentionDays },
      server: { port: null },
    };
    await writeFile(path, JSON.stringify(config));
    return path;
  };
  const cli = async (command: string, retentionDays: number | null, ...args: string[]) => {
    const result = await runCli([command, '--config', await configFile(retentionDays), ...args], simEnv(env));
    outputs.push(result);
    return result;
  };
  const allKeys = async () => {
    const keys: string[] = [];
    for await (const object of store.list('')) keys.push(object.key);
    return keys;
  };
  const manifestOf = async (instanceId: string) => JSON.parse((await store.get(manifestKey(instanceId)))!.body.toString()) as Manifest;

  beforeAll(async () => {
    await archiveFleet(destination, env);
    store = createS3Store({ bucket: target.bucket, prefix, endpoint: target.endpoint, region: target.region, forcePathStyle: target.forcePathStyle, credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey } });
    // The same instances, listing nothing new: coverage and a pass read only the bucket's state.
    sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK }, linkSecret: TEST_LINK_SECRET });
    sim.addInstance(TEST_PROJECT_ID, { id: INSTANCE_A, name: 'cache-a', cacheMode: 'single' });
    sim.addInstance(TEST_PROJECT_ID, { id: INSTANCE_B, name: 'cache-b', cacheMode: 'ha', replicasPerShard: 2 });

    // A file archived 400 days ago, whose object the lifecycle rule has since removed; the
    // manifest was last rebuilt while the object was there.
    const keys: string[] = [];
    for await (const object of store.list(`records/${INSTANCE_A}/`)) keys.push(object.key);
    const template = JSON.parse((await store.get(keys[0]!))!.body.toString()) as ArchiveRecord;
    const date = dayBefore(400);
    const fileName = template.fileName.replace(template.date, date);
    expired = { ...template, date, fileName, key: template.key.replace(template.date, date).replace(template.fileName, fileName), archivedAt: new Date(Date.now() - 399 * 86_400_000).toISOString() };
    expiredRecordKey = recordKey(INSTANCE_A, date, fileName);
    await store.put(expiredRecordKey, recordText(expired));
    await rebuildManifest({ store, projectId: TEST_PROJECT_ID, instanceId: INSTANCE_A, stamped: new Map(), now: new Date() });
  }, 120_000);

  afterAll(async () => {
    await sim?.close();
    await store?.close();
    for (const output of outputs) expect(leakedSecrets(output.stdout + output.stderr, [], [target.secretAccessKey])).toEqual([]);
  });

  it('verify calls the gone object missing without a retention (exit 1), and expired within one (exit 0)', async () => {
    const forever = await cli('verify', null);
    expect(forever.code, forever.stdout).toBe(1);
    expect(forever.lines.filter((l) => l.kind === 'missing-object')).toEqual([expect.objectContaining({ key: expired.key, record: expiredRecordKey })]);

    const kept = await cli('verify', 30);
    expect(kept.code, kept.stdout + kept.stderr).toBe(0);
    expect(kept.lines.filter((l) => typeof l.kind === 'string').map((l) => [l.kind, l.key])).toEqual([['expired', expired.key]]);
    expect(kept.lines.find((l) => l.msg === 'verify finished')).toMatchObject({ clean: true, expired: 1, unresolved: 0 });
  });

  it('verify --fix deletes nothing, expired or not', async () => {
    const before = await allKeys();
    const fixed = await cli('verify', 30, '--fix', '--older-than', '0');
    expect(fixed.code, fixed.stdout).toBe(0);
    expect(await allKeys()).toEqual(before);
  });

  it('coverage does not call the days past the retention lost', async () => {
    const forever = await cli('coverage', null, '--json');
    const lostForever = (JSON.parse(forever.stdout) as { instances: Array<{ coverage: { lost: unknown[] } }> }).instances[0]!.coverage.lost;
    expect(lostForever.length).toBeGreaterThan(300); // every day since the one archived 400 days ago

    // (It exits 1 either way: the fixture archived only 3 of the 7 days DCS keeps, so days are at risk.)
    const kept = await cli('coverage', 30, '--json');
    const lost = (JSON.parse(kept.stdout) as { instances: Array<{ coverage: { lost: Array<{ date: string }> } }> }).instances[0]!.coverage.lost;
    expect(lost.filter((day) => day.date < dayBefore(30))).toEqual([]);
  });

  it('a pass that rebuilds the manifest leaves the expired record out of it, keeps the record, and verify stays clean', async () => {
    await store.delete(manifestKey(INSTANCE_A)); // the next pass must rebuild it
    const pass = await cli('archive', 30);
    expect(pass.code, pass.stdout + pass.stderr).toBe(0);
    const manifest = await manifestOf(INSTANCE_A);
    expect(manifest.entries.map((e) => e.date)).not.toContain(expired.date);
    expect(Object.keys(manifest.expired ?? {})).toEqual([expiredRecordKey]);
    expect(await store.get(expiredRecordKey)).toBeDefined();

    const kept = await cli('verify', 30);
    expect(kept.code, kept.stdout).toBe(0);
    expect(kept.lines.filter((l) => typeof l.kind === 'string').map((l) => l.kind)).toEqual(['expired']);
  });
});
