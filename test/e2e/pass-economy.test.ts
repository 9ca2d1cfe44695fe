/**
 * What one pass costs the bucket, and what it does when the bucket throttles or an instance's
 * preparation fails. Every bucket request goes through a counting proxy in front of the real
 * S3-compatible server; the proxy can also answer a share of requests with throttling errors.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DcsSimulator } from '../../sim/index.js';
import { createS3Store } from '../../src/store/s3-store.js';
import type { BucketStore } from '../../src/store/store.js';
import { startCountingProxy, type CountedRequest, type CountingProxy } from '../support/bucket-proxy.js';
import { leakedSecrets, runCli, simEnv, type CliResult } from '../support/cli.js';
import { s3Target, uniquePrefix } from '../support/s3-target.js';
import { TEST_AK, TEST_LINK_SECRET, TEST_PROJECT_ID, TEST_SK } from '../support/secrets.js';
import { dayBefore } from '../support/days.js';

const INSTANCES = 4;
const FILES_PER_INSTANCE = 6;

describe('one pass against a counted bucket', () => {
  let sim: DcsSimulator;
  let proxy: CountingProxy;
  let store: BucketStore;
  let env: Record<string, string>;
  let config: Record<string, unknown>;
  const outputs: CliResult[] = [];

  /** A pass with its own prefix in the bucket (so each test starts from an empty destination). */
  const archive = async (prefix: string, extra: Record<string, unknown> = {}) => {
    const t = s3Target();
    const path = join(await mkdtemp(join(tmpdir(), 'archiver-economy-')), 'config.yaml');
    await writeFile(path, JSON.stringify({ ...config, ...extra, destination: { url: `s3://${t.bucket}/${prefix}`, endpoint: proxy.endpoint, region: t.region, forcePathStyle: true } }));
    const result = await runCli(['archive', '--config', path], simEnv(env));
    outputs.push(result);
    return result;
  };

  beforeAll(async () => {
    const t = s3Target();
    proxy = await startCountingProxy(t.endpoint);
    env = { AWS_ACCESS_KEY_ID: t.accessKeyId, AWS_SECRET_ACCESS_KEY: t.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true' };
    store = createS3Store({ bucket: t.bucket, prefix: '', endpoint: t.endpoint, region: t.region, forcePathStyle: true, credentials: { accessKeyId: t.accessKeyId, secretAccessKey: t.secretAccessKey } });
    sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK }, linkSecret: TEST_LINK_SECRET });
    for (let i = 0; i < INSTANCES; i++) {
      const instance = sim.addInstance(TEST_PROJECT_ID, { id: `eco-${i}`, name: `eco-${i}`, cacheMode: 'single' });
      const replica = instance.replicas[0]!;
      for (let d = 1; d <= FILES_PER_INSTANCE; d++) {
        sim.addLog(TEST_PROJECT_ID, instance.id, { replicationIp: replica.ip, groupName: replica.groupName, date: dayBefore(d), size: 1000 + 37 * d });
      }
    }
    config = {
      dcs: { endpoint: sim.endpoint, projectId: TEST_PROJECT_ID, allowHttp: true, retry: { attempts: 5, baseDelayMs: 5, maxDelayMs: 40 } },
      instances: Array.from({ length: INSTANCES }, (_, i) => `eco-${i}`),
      collect: { enabled: false },
      archive: { concurrency: 4 },
    };
  }, 120_000);

  beforeEach(() => {
    proxy.reset();
    proxy.inject(undefined);
    sim.resetRequests();
    sim.clearFaults();
  });

  afterAll(async () => {
    await sim?.close();
    await proxy?.close();
    await store?.close();
    for (const output of outputs) expect(leakedSecrets(output.stdout + output.stderr, sim.issuedLinks)).toEqual([]);
  });

  const byKind = (requests: CountedRequest[]) => {
    const counts: Record<string, number> = {};
    for (const r of requests) counts[r.kind] = (counts[r.kind] ?? 0) + 1;
    return counts;
  };

  it('archives a file with its object and its record alone: per instance a manifest GET, two LISTs and a manifest PUT; per pass a check and a report', async () => {
    const result = await archive(uniquePrefix('economy-first'));
    expect(result.code, result.stdout).toBe(0);
    const files = INSTANCES * FILES_PER_INSTANCE;
    expect(result.lines.filter((l) => l.msg === 'archived')).toHaveLength(files);
    const perFile = proxy.requests.filter((r) => !r.perPass);
    expect(byKind(proxy.requests)).toEqual({
      'LIST objects': 1 + 2 * INSTANCES, // the check, then at the start and close of each instance
      'GET object': INSTANCES, // the manifest, which does not exist yet
      'PUT object': 2 * files + INSTANCES + 1, // objects, records, manifests, the run report
    });
    expect(perFile.length / files).toBeLessThanOrEqual(2.7);
    // One link call per file: nothing else asks DCS for a link.
    expect(sim.requests.filter((r) => r.op === 'link')).toHaveLength(files);
  });

  it('costs a nothing-new pass one DCS listing and two bucket requests per instance', async () => {
    const prefix = uniquePrefix('economy-steady');
    expect((await archive(prefix)).code).toBe(0);
    proxy.reset();
    sim.resetRequests();
    const again = await archive(prefix);
    expect(again.code, again.stdout).toBe(0);
    expect(again.lines.filter((l) => l.msg === 'archived')).toHaveLength(0);
    expect(byKind(proxy.requests.filter((r) => !r.perPass))).toEqual({ 'GET object': INSTANCES, 'LIST objects': INSTANCES });
    expect(proxy.requests.filter((r) => r.perPass)).toHaveLength(2);
    expect(sim.requests.map((r) => r.op)).toEqual(Array.from({ length: INSTANCES }, () => 'list'));
  });

  it('absorbs a storm of throttling on every kind of bucket write (objects, records, manifests, the run report) and on listings', async () => {
    const prefix = uniquePrefix('economy-storm');
    const seen: Record<string, number> = {};
    const hit: Record<string, number> = {};
    proxy.inject((request) => {
      // Every other request of each kind (the first, the third, ...), in turn SlowDown and InternalError,
      // so every kind of write is hit, and every retry of a hit one gets through.
      const write = request.kind === 'PUT object';
      if (!write && request.kind !== 'LIST objects') return undefined;
      const target = request.path.includes('/records/') ? 'record' : request.path.includes('/manifests/') ? 'manifest' : request.path.includes('/runs/') ? 'report' : write ? 'object' : 'list';
      seen[target] = (seen[target] ?? 0) + 1;
      if (seen[target] % 2 === 0 || (target === 'list' && seen[target] === 1)) return undefined; // the start check is not retried: it must pass
      hit[target] = (hit[target] ?? 0) + 1;
      return hit[target] % 2 === 0 ? { status: 503, code: 'SlowDown' } : { status: 500, code: 'InternalError' };
    });
    const result = await archive(prefix);
    expect(result.code, result.stdout).toBe(0);
    expect(Object.keys(hit).sort()).toEqual(['list', 'manifest', 'object', 'record', 'report']);
    expect(result.lines.filter((l) => l.msg === 'archived')).toHaveLength(INSTANCES * FILES_PER_INSTANCE);

    proxy.inject(undefined);
    const records: string[] = [];
    for await (const object of store.list(`${prefix}records/`)) records.push(object.key);
    expect(records).toHaveLength(INSTANCES * FILES_PER_INSTANCE);
    const reports: string[] = [];
    for await (const object of store.list(`${prefix}runs/`)) reports.push(object.key);
    expect(reports).toHaveLength(1);
    const again = await archive(prefix);
    expect(again.lines.filter((l) => l.msg === 'archived')).toHaveLength(0);
  }, 120_000);

  it.each([
    ['a 500 after the retries', 'http-500'],
    ['a 404', 'http-404'],
  ] as const)('still archives an instance whose replicas call fails with %s, and says so in the report, the log and the coverage', async (_label, kind) => {
    const prefix = uniquePrefix(`economy-replicas-${kind}`);
    sim.injectFault({ op: 'groups', kind, instanceId: 'eco-1' });
    sim.injectFault({ op: 'instance', kind, instanceId: 'eco-1' });
    const result = await archive(prefix, { collect: { enabled: true, waitSeconds: 5 } });
    expect(result.code, result.stdout).toBe(1);
    const archived = result.lines.filter((l) => l.msg === 'archived');
    expect(archived.filter((l) => l.instance === 'eco-1')).toHaveLength(FILES_PER_INSTANCE);
    // The other instances were collected too, so they may have new files besides.
    expect(archived.length).toBeGreaterThanOrEqual(INSTANCES * FILES_PER_INSTANCE);
    expect(result.lines.filter((l) => l.msg !== 'pass finished' && l.level === 'error')).toEqual([]);
    expect(result.lines.filter((l) => l.level === 'warn' && l.instance === 'eco-1' && String(l.msg).startsWith('the replicas could not be listed'))).toHaveLength(1);

    const reportKey = [] as string[];
    for await (const object of store.list(`${prefix}runs/`)) reportKey.push(object.key);
    const report = JSON.parse((await store.get(reportKey[0]!))!.body.toString());
    const instance = report.instances.find((i: { instanceId: string }) => i.instanceId === 'eco-1');
    expect(instance.replicasError).toMatchObject({ source: 'dcs', reason: expect.stringMatching(/^dcs\./) });
    expect(instance.error).toBeUndefined();
    expect(instance.coverage.notCollected).toEqual(expect.arrayContaining([expect.any(String)]));
    expect(report.result).toBe('partial');
  }, 120_000);
});
