import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DcsSimulator } from '../../sim/index.js';
import { shardOf } from '../../src/pass/shard.js';
import { runCli, simEnv } from '../support/cli.js';
import { dayBefore } from '../support/days.js';
import { TEST_AK, TEST_PROJECT_ID, TEST_SK } from '../support/secrets.js';

const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

describe('one-shot metrics', () => {
  let sim: DcsSimulator;
  let gateway: Server;
  const pushes: Array<{ method: string; url: string; body: string }> = [];

  beforeAll(async () => {
    sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK } });
    const instance = sim.addInstance(TEST_PROJECT_ID, { id: 'push-0', name: 'push-0', cacheMode: 'single' });
    const replica = instance.replicas[0]!;
    sim.addLog(TEST_PROJECT_ID, instance.id, { replicationIp: replica.ip, groupName: replica.groupName, date: yesterday, size: 4321 });
    gateway = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        pushes.push({ method: req.method ?? '', url: req.url ?? '', body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await sim.close();
    await new Promise((resolve) => gateway.close(resolve));
  });

  async function configFor(instances: string[]): Promise<string> {
    const root = await mkdtemp(join(tmpdir(), 'archiver-push-'));
    const configPath = join(root, 'config.yaml');
    await writeFile(
      configPath,
      JSON.stringify({
        dcs: { endpoint: sim.endpoint, projectId: TEST_PROJECT_ID, allowHttp: true },
        instances,
        collect: { enabled: false },
        destination: { url: `file://${root}/` },
        metrics: { pushgatewayUrl: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`, jobName: 'nightly-archive' },
      }),
    );
    return configPath;
  }

  const valueIn = (body: string) => {
    const families = parsePrometheusTextFormat(body);
    return (name: string, labels: Record<string, string> = {}) =>
      Number(families.find((f) => f.name === name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value);
  };

  it('pushes the pass metrics to the Pushgateway when one is configured', async () => {
    pushes.length = 0;
    const configPath = await configFor(['push-0']);
    const result = await runCli(['archive', '--config', configPath], simEnv());
    expect(result.code, result.stdout).toBe(0);
    expect(pushes).toHaveLength(1);
    expect(pushes[0]!.url).toBe('/metrics/job/nightly-archive');
    const value = valueIn(pushes[0]!.body);
    expect(value('dcs_archiver_passes_total', { result: 'ok' })).toBe(1);
    expect(value('dcs_archiver_files_total', { outcome: 'archived', reason: 'new' })).toBe(1);
    expect(value('dcs_archiver_bytes_total')).toBe(4321);
  });

  it('pushes each shard to a group of its own, so the shards of an Indexed Job do not overwrite each other', async () => {
    // One instance in each of 2 shards, whichever ids hash there.
    const ids = ['push-a', 'push-b', 'push-c', 'push-d', 'push-e', 'push-f'];
    const chosen = [0, 1].map((index) => ids.find((id) => shardOf(id, 2) === index)!);
    const replicas = chosen.map((id) => sim.addInstance(TEST_PROJECT_ID, { id, name: id, cacheMode: 'single' }).replicas[0]!);
    for (const [n, id] of chosen.entries()) {
      const replica = replicas[n]!;
      sim.addLog(TEST_PROJECT_ID, id, { replicationIp: replica.ip, groupName: replica.groupName, date: yesterday, size: 1000 + chosen.indexOf(id) });
    }
    const configPath = await configFor(chosen);
    const root = dirname(configPath);
    pushes.length = 0;
    const sharded = (index: number) => runCli(['archive', '--config', configPath, '--set', 'sharding.count=2'], simEnv({ JOB_COMPLETION_INDEX: String(index) }));
    for (const index of [0, 1]) {
      const result = await sharded(index);
      expect(result.code, result.stdout).toBe(0);
    }
    expect(pushes.map((p) => p.url)).toEqual(['/metrics/job/nightly-archive/shard/0-of-2', '/metrics/job/nightly-archive/shard/1-of-2']);
    expect(pushes.map((p) => valueIn(p.body)('dcs_archiver_bytes_total'))).toEqual([1000, 1001]);

    // Shard 0 again, and a file of it fails: its push still carries its last success, read
    // back from its own run report, not 0 ("never") and not shard 1's.
    // Both passes may start within one second, and then their run ids sort by their random tail:
    // the report is found by its shard, not by its place in the listing.
    const reports = await Promise.all(
      (await readdir(join(root, 'runs'))).map(async (name) => JSON.parse(await readFile(join(root, 'runs', name), 'utf8')) as { finishedAt: string; shard?: { index: number; count: number } }),
    );
    expect(reports.map((report) => report.shard).sort((a, b) => a!.index - b!.index)).toEqual([{ index: 0, count: 2 }, { index: 1, count: 2 }]);
    const succeeded = reports.find((report) => report.shard?.index === 0)!;
    const replica = replicas[0]!;
    const doomed = sim.addLog(TEST_PROJECT_ID, chosen[0]!, { replicationIp: replica.ip, groupName: replica.groupName, date: dayBefore(2), size: 10 });
    sim.injectFault({ op: 'link', kind: 'http-404', logId: doomed.id });
    expect((await sharded(0)).code).toBe(1);
    const again = valueIn(pushes[2]!.body);
    expect(pushes[2]!.url).toBe('/metrics/job/nightly-archive/shard/0-of-2');
    expect(again('dcs_archiver_passes_total', { result: 'partial' })).toBe(1);
    expect(again('dcs_archiver_last_success_timestamp_seconds')).toBe(Math.floor(Date.parse(succeeded.finishedAt) / 1000));
  });
});
