import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DcsSimulator, type SimLog } from '../../sim/index.js';
import { createS3Store } from '../../src/store/s3-store.js';
import type { BucketStore } from '../../src/store/store.js';
import { runCli, simEnv } from '../support/cli.js';
import { s3Target, uniquePrefix } from '../support/s3-target.js';
import { TEST_AK, TEST_PROJECT_ID, TEST_SK } from '../support/secrets.js';

const MiB = 1024 * 1024;
const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

describe('graceful shutdown of a one-shot pass', () => {
  let sim: DcsSimulator;
  let store: BucketStore;
  let env: Record<string, string>;
  let configFor: (graceSeconds: number) => Promise<string>;
  let big: SimLog;

  beforeAll(async () => {
    sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK } });
    const instance = sim.addInstance(TEST_PROJECT_ID, { id: 'shutdown-0', name: 'shutdown-0', cacheMode: 'single' });
    const replica = instance.replicas[0]!;
    big = sim.addLog(TEST_PROJECT_ID, instance.id, { replicationIp: replica.ip, groupName: replica.groupName, date: yesterday, size: 500 * MiB });
    const t = s3Target();
    const prefix = uniquePrefix('shutdown');
    store = createS3Store({ bucket: t.bucket, prefix, endpoint: t.endpoint, region: t.region, forcePathStyle: true, credentials: { accessKeyId: t.accessKeyId, secretAccessKey: t.secretAccessKey } });
    env = simEnv({ AWS_ACCESS_KEY_ID: t.accessKeyId, AWS_SECRET_ACCESS_KEY: t.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true' });
    const dir = await mkdtemp(join(tmpdir(), 'archiver-shutdown-'));
    configFor = async (graceSeconds) => {
      const path = join(dir, `config-${graceSeconds}.yaml`);
      await writeFile(
        path,
        JSON.stringify({
          dcs: { endpoint: sim.endpoint, projectId: TEST_PROJECT_ID, allowHttp: true },
          instances: ['shutdown-0', 'shutdown-1'],
          collect: { enabled: false },
          destination: { url: `s3://${t.bucket}/${prefix}`, endpoint: t.endpoint, region: t.region, forcePathStyle: true },
          shutdown: { graceSeconds },
        }),
      );
      return path;
    };
  });

  afterAll(async () => {
    await store?.close();
    await sim?.close();
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('on %s during a 500 MiB upload exits within the grace period with %i, aborts the upload, defers the file, writes the report; the next pass completes it', async (signal, exitCode) => {
    // About 40 s at this pace: still in flight when the signal comes and when the grace ends.
    sim.injectFault({ op: 'download', kind: 'slow', delayMs: 5, times: 1 });
    let pid = 0;
    const started = Date.now();
    sim.resetRequests();
    const configPath = await configFor(2);
    const running = runCli(['archive', '--config', configPath, '--instance', 'shutdown-0'], env, { onSpawn: (p) => (pid = p) });
    await waitUntil(() => sim.requests.some((r) => r.op === 'download'));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const signalled = Date.now();
    process.kill(pid, signal);
    const result = await running;
    const exitedAfter = Date.now() - signalled;
    expect(exitedAfter).toBeLessThan(2000 + 5000);
    expect(Date.now() - started).toBeLessThan(30_000);
    // A stop is not a failure: no error line, one line saying what was deferred, the shell's 128 + signal.
    expect(result.code, result.stdout).toBe(exitCode);
    expect(result.lines.filter((l) => l.level === 'error')).toEqual([]);
    expect(result.lines.filter((l) => l.level === 'warn' && String(l.msg).includes('deferred'))).toEqual([
      expect.objectContaining({ msg: 'stopped: 1 file(s) deferred; the next pass takes them', files: 1 }),
    ]);
    expect(result.lines.find((l) => l.msg === 'pass finished')).toMatchObject({ level: 'warn', result: 'stopped', archived: 0, failed: 0, deferred: 1 });
    expect(await store.listPendingUploads('')).toEqual([]);
    expect(await store.head(`shutdown-0/${yesterday}/${big.fileName}`)).toBeUndefined();
    const reports: string[] = [];
    for await (const object of store.list('runs/')) reports.push(object.key);
    const report = JSON.parse((await store.get(reports.sort().at(-1)!))!.body.toString());
    expect(report).toMatchObject({ result: 'stopped', counts: { failed: 0, deferred: 1 } });
    expect(report.instances[0].deferred).toEqual([{ fileName: big.fileName, logId: big.id, date: yesterday }]);

    const next = await runCli(['archive', '--config', await configFor(2), '--instance', 'shutdown-0'], env);
    expect(next.code, next.stdout).toBe(0);
    expect(next.lines.find((l) => l.msg === 'archived')).toMatchObject({ bytes: 500 * MiB, sha256: await sim.sha256(big.id) });
    // Ready for the other signal: the file is archived again from scratch.
    await store.delete(`records/shutdown-0/${yesterday}/${big.fileName}.json`);
    await store.delete(`shutdown-0/${yesterday}/${big.fileName}`);
  }, 120_000);

  it('on SIGTERM lets a file in flight finish within the grace period and records it', async () => {
    const instance = sim.addInstance(TEST_PROJECT_ID, { id: 'shutdown-1', name: 'shutdown-1', cacheMode: 'single' });
    const replica = instance.replicas[0]!;
    const small = sim.addLog(TEST_PROJECT_ID, instance.id, { replicationIp: replica.ip, groupName: replica.groupName, date: yesterday, size: 20 * MiB });
    sim.resetRequests();
    // About 1.6 s at this pace: well inside a 20 s grace period.
    sim.injectFault({ op: 'download', kind: 'slow', delayMs: 5, times: 1 });
    let pid = 0;
    const running = runCli(['archive', '--config', await configFor(20), '--instance', 'shutdown-1'], env, { onSpawn: (p) => (pid = p) });
    await waitUntil(() => sim.requests.some((r) => r.op === 'download'));
    process.kill(pid, 'SIGTERM');
    const result = await running;
    expect(result.code, result.stdout).toBe(0);
    expect(result.lines.find((l) => l.msg === 'archived')).toMatchObject({ logId: small.id, bytes: 20 * MiB });
    expect(await store.get(`records/shutdown-1/${yesterday}/${small.fileName}.json`)).toBeDefined();
    expect(await store.get('manifests/shutdown-1.json')).toBeDefined();
  }, 60_000);
});

async function waitUntil(predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
