import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DcsSimulator, type SimLog } from '../../sim/index.js';
import { createFileStore } from '../../src/store/file-store.js';
import { byteSourceStream } from '../../src/store/parts.js';
import { createS3Store } from '../../src/store/s3-store.js';
import type { BucketStore } from '../../src/store/store.js';
import { leakedSecrets, runCli, simEnv, type CliResult } from '../support/cli.js';
import { s3Target, uniquePrefix } from '../support/s3-target.js';
import { TEST_AK, TEST_LINK_SECRET, TEST_PROJECT_ID, TEST_SK } from '../support/secrets.js';
import { dayBefore } from '../support/days.js';

const MiB = 1024 * 1024;
const DAY = dayBefore(1);
const OLDER = dayBefore(2);
const OLDEST = dayBefore(3);

interface Target {
  name: string;
  destination: Record<string, unknown>;
  env: Record<string, string>;
  store: BucketStore;
}

async function s3(name: string): Promise<Target> {
  const t = s3Target();
  const prefix = uniquePrefix(name);
  return {
    name,
    destination: { url: `s3://${t.bucket}/${prefix}`, endpoint: t.endpoint, region: t.region, forcePathStyle: t.forcePathStyle },
    env: { AWS_ACCESS_KEY_ID: t.accessKeyId, AWS_SECRET_ACCESS_KEY: t.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true' },
    store: createS3Store({ bucket: t.bucket, prefix, endpoint: t.endpoint, region: t.region, forcePathStyle: t.forcePathStyle, credentials: { accessKeyId: t.accessKeyId, secretAccessKey: t.secretAccessKey } }),
  };
}

async function dir(name: string): Promise<Target> {
  const root = await mkdtemp(join(tmpdir(), `archiver-${name}-`));
  return { name, destination: { url: `file://${root}/` }, env: {}, store: createFileStore({ root }) };
}

async function sha256Of(stream: NodeJS.ReadableStream): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function keys(store: BucketStore, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for await (const object of store.list(prefix)) out.push(object.key);
  return out;
}

describe.each([
  ['an S3-compatible bucket (Swift)', s3],
  ['a local directory', dir],
])('one archive pass into %s', (_label, makeTarget) => {
  let sim: DcsSimulator;
  let target: Target;
  let configPath: string;
  let logs: SimLog[];
  const outputs: CliResult[] = [];

  const archive = async (...args: string[]) => {
    const result = await runCli(['archive', '--config', configPath, ...args], simEnv(target.env));
    outputs.push(result);
    return result;
  };

  beforeAll(async () => {
    sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK }, linkSecret: TEST_LINK_SECRET });
    target = await makeTarget(`e2e-${Math.random().toString(36).slice(2, 8)}`);
    const sizes = [0, 1024, 200 * MiB];
    logs = sizes.map((size, i) => {
      const instance = sim.addInstance(TEST_PROJECT_ID, { id: `inst-${i}`, name: `cache-${i}`, cacheMode: 'single' });
      const replica = instance.replicas[0]!;
      return sim.addLog(TEST_PROJECT_ID, instance.id, { replicationIp: replica.ip, groupName: replica.groupName, date: DAY, size });
    });
    const dirForConfig = await mkdtemp(join(tmpdir(), 'archiver-config-'));
    configPath = join(dirForConfig, 'config.yaml');
    const config = {
      // A stalled body is cut by the timeout and retried, well inside the test's own timeout.
      dcs: { endpoint: sim.endpoint, projectId: TEST_PROJECT_ID, allowHttp: true, retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 }, timeouts: { bodySeconds: 10 } },
      instances: [{ id: 'inst-0', name: 'cache-0' }, 'inst-1', 'inst-2'],
      collect: { enabled: false },
      archive: { concurrency: 4 },
      destination: target.destination,
    };
    await writeFile(configPath, JSON.stringify(config));
  }, 120_000);

  afterAll(async () => {
    await sim?.close();
    await target?.store.close();
    for (const output of outputs) {
      expect(leakedSecrets(output.stdout + output.stderr, sim.issuedLinks)).toEqual([]);
    }
  });

  it('stores every file byte-identical with records, manifests and a run report, and exits 0', async () => {
    const result = await archive();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    for (const log of logs) {
      const key = `${log.instanceId}/${DAY}/${log.fileName}`;
      const stream = await target.store.read(key);
      expect(stream, key).toBeDefined();
      expect(await sha256Of(byteSourceStream(stream!, 64 * 1024))).toBe(await sim.sha256(log.id));
      const record = JSON.parse((await target.store.get(`records/${log.instanceId}/${DAY}/${log.fileName}.json`))!.body.toString());
      expect(record).toMatchObject({ schemaVersion: 1, projectId: TEST_PROJECT_ID, instanceId: log.instanceId, logId: log.id, key, bytes: log.size, storedBytes: log.size, sha256: await sim.sha256(log.id), partial: false });
      const manifest = JSON.parse((await target.store.get(`manifests/${log.instanceId}.json`))!.body.toString());
      expect(manifest.entries.map((e: { logId: string }) => e.logId)).toEqual([log.id]);
    }
    const reports = await keys(target.store, 'runs/');
    expect(reports).toHaveLength(1);
    const report = JSON.parse((await target.store.get(reports[0]!))!.body.toString());
    expect(report.counts).toMatchObject({ instances: 3, archived: 3, failed: 0, bytes: 200 * MiB + 1024 });
    const archivedLines = result.lines.filter((line) => line.msg === 'archived');
    expect(archivedLines.map((line) => line.bytes).sort()).toEqual([0, 1024, 200 * MiB]);
    expect(archivedLines.every((line) => typeof line.sha256 === 'string' && typeof line.ms === 'number')).toBe(true);
    expect(result.lines.at(-1)).toMatchObject({ msg: 'pass finished', result: 'ok', archived: 3 });
  });

  it('uploads nothing on a second run and exits 0', async () => {
    const before = await keys(target.store);
    sim.resetRequests();
    const result = await archive();
    expect(result.code, result.stdout).toBe(0);
    expect(sim.requests.filter((r) => r.op === 'download' || r.op === 'link')).toEqual([]);
    const after = await keys(target.store);
    expect(after.filter((k) => !k.startsWith('runs/'))).toEqual(before.filter((k) => !k.startsWith('runs/')));
    expect(result.lines.at(-1)).toMatchObject({ msg: 'pass finished', result: 'ok', archived: 0, skipped: 3 });
  });

  it('writes and triggers nothing in a dry run, and says what it would do', async () => {
    const extra = sim.addLog(TEST_PROJECT_ID, 'inst-1', { replicationIp: logs[1]!.replicationIp, groupName: logs[1]!.groupName, date: OLDER, size: 10 });
    const before = await keys(target.store);
    sim.resetRequests();
    const result = await archive('--dry-run');
    expect(result.code, result.stdout).toBe(0);
    expect(await keys(target.store)).toEqual(before);
    expect(sim.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(sim.requests.filter((r) => r.op === 'download')).toEqual([]);
    expect(result.lines.filter((l) => l.msg === 'would archive').map((l) => l.logId)).toEqual([extra.id]);
    expect(result.lines.filter((l) => l.msg === 'would skip').length).toBe(3);
  });

  it('does not record a truncated download, leaves no upload behind, archives the rest, and completes it next run', async () => {
    const victim = sim.addLog(TEST_PROJECT_ID, 'inst-0', { replicationIp: logs[0]!.replicationIp, groupName: logs[0]!.groupName, date: OLDEST, size: 12 * MiB });
    const bystander = sim.addLog(TEST_PROJECT_ID, 'inst-2', { replicationIp: logs[2]!.replicationIp, groupName: logs[2]!.groupName, date: OLDEST, size: 3000 });
    sim.injectFault({ op: 'download', kind: 'truncate', logId: victim.id, truncateAt: 7 * MiB });
    const failed = await archive();
    expect(failed.code, failed.stdout).toBe(1);
    const victimRecord = `records/inst-0/${OLDEST}/${victim.fileName}.json`;
    expect(await target.store.get(victimRecord)).toBeUndefined();
    expect(await target.store.head(`inst-0/${OLDEST}/${victim.fileName}`)).toBeUndefined();
    expect(await target.store.listPendingUploads('')).toEqual([]);
    expect(await target.store.get(`records/inst-2/${OLDEST}/${bystander.fileName}.json`)).toBeDefined();
    expect(failed.lines.filter((l) => l.level === 'error' && l.msg !== 'pass finished')).toEqual([
      expect.objectContaining({ logId: victim.id, kind: 'retryable', reason: 'download.truncated' }),
    ]);
    expect(failed.lines.filter((l) => l.msg === 'retrying').length).toBe(2);

    sim.clearFaults();
    const healed = await archive();
    expect(healed.code, healed.stdout).toBe(0);
    const stream = await target.store.read(`inst-0/${OLDEST}/${victim.fileName}`);
    expect(await sha256Of(byteSourceStream(stream!, 64 * 1024))).toBe(await sim.sha256(victim.id));
  }, 120_000);

  it('stops at once on wrong credentials, with a clear message, exit 1 and no retry storm', async () => {
    sim.resetRequests();
    const result = await runCli(['archive', '--config', configPath], simEnv({ ...target.env, HUAWEICLOUD_SDK_SK: 'wrong-secret-key-value' }));
    outputs.push(result);
    expect(result.code).toBe(1);
    const rejected = sim.requests.filter((r) => r.status === 401);
    expect(rejected).toHaveLength(1);
    expect(sim.requests).toHaveLength(1);
    expect(result.stdout).toContain('HUAWEICLOUD_SDK_SK');
    expect(result.stdout).not.toContain('wrong-secret-key-value');
  });

  it('refuses an invalid config with exit 2, naming the key, before any network call', async () => {
    sim.resetRequests();
    const badConfig = join(await mkdtemp(join(tmpdir(), 'archiver-bad-')), 'bad.yaml');
    await writeFile(badConfig, `dcs:\n  endpoint: ${sim.endpoint}\n  allowHttp: true\n  projectId: p\narchive:\n  concurrency: -1\ndestination:\n  url: file:///tmp/x/\n`);
    const result = await runCli(['archive', '--config', badConfig], simEnv(target.env));
    outputs.push(result);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('archive.concurrency');
    expect(result.stdout).toContain('an integer from 1 to 256');
    expect(sim.requests).toEqual([]);
  });
});
