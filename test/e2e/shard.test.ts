import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardOf } from '../../src/pass/shard.js';
import { DcsSimulator } from '../../sim/index.js';
import { runCli, simEnv } from '../support/cli.js';
import { TEST_AK, TEST_PROJECT_ID, TEST_SK } from '../support/secrets.js';

const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

describe('sharding', () => {
  let sim: DcsSimulator;
  let root: string;
  let configPath: string;
  const ids = Array.from({ length: 300 }, (_, i) => `shard-inst-${String(i).padStart(3, '0')}`);

  beforeAll(async () => {
    sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK } });
    for (const id of ids) {
      const instance = sim.addInstance(TEST_PROJECT_ID, { id, name: id, cacheMode: 'single' });
      const replica = instance.replicas[0]!;
      sim.addLog(TEST_PROJECT_ID, id, { replicationIp: replica.ip, groupName: replica.groupName, date: yesterday, size: 256 });
    }
    root = await mkdtemp(join(tmpdir(), 'archiver-shards-'));
    configPath = join(root, 'config.yaml');
    await writeFile(
      configPath,
      JSON.stringify({
        dcs: { endpoint: sim.endpoint, projectId: TEST_PROJECT_ID, allowHttp: true },
        instances: ids,
        collect: { enabled: false },
        archive: { concurrency: 16 },
        destination: { url: `file://${root}/` },
        sharding: { count: 3 },
      }),
    );
  });

  afterAll(async () => {
    await sim.close();
  });

  it('splits instances into stable, disjoint partitions of similar size', () => {
    const sizes = [0, 0, 0];
    for (const id of ids) sizes[shardOf(id, 3)]! += 1;
    expect(sizes.reduce((a, b) => a + b)).toBe(300);
    for (const size of sizes) expect(size).toBeGreaterThan(70);
    expect(ids.map((id) => shardOf(id, 3))).toEqual(ids.map((id) => shardOf(id, 3)));
  });

  it('archives every one of 300 instances exactly once across three shards', async () => {
    // Shard 0 from --shard, shard 1 from ARCHIVER_SHARD, shard 2 as a Kubernetes Indexed Job pod.
    const results = await Promise.all([
      runCli(['archive', '--config', configPath, '--shard', '0/3'], simEnv()),
      runCli(['archive', '--config', configPath], simEnv({ ARCHIVER_SHARD: '1/3' })),
      runCli(['archive', '--config', configPath], simEnv({ JOB_COMPLETION_INDEX: '2' })),
    ]);
    for (const result of results) {
      expect(result.code, result.stdout).toBe(0);
      // Sixteen transfers at once listen to one abort signal: that must not read as a leak.
      expect(result.stderr).not.toContain('MaxListenersExceededWarning');
    }

    const reports = await Promise.all((await readdir(join(root, 'runs'))).map(async (name) => JSON.parse(await readFile(join(root, 'runs', name), 'utf8'))));
    expect(reports).toHaveLength(3);
    const archivedBy = new Map<string, number>();
    for (const report of reports) {
      for (const instance of report.instances) {
        archivedBy.set(instance.instanceId, (archivedBy.get(instance.instanceId) ?? 0) + instance.archived.length);
      }
    }
    expect([...archivedBy.keys()].sort()).toEqual(ids);
    expect([...archivedBy.values()].every((count) => count === 1)).toBe(true);
    expect((await readdir(join(root, 'records'))).sort()).toEqual(ids);
    expect(sim.requests.filter((r) => r.op === 'download')).toHaveLength(300);
  });

  it('refuses a shard outside its count, before any network call', async () => {
    sim.resetRequests();
    const result = await runCli(['archive', '--config', configPath, '--shard', '3/3'], simEnv());
    expect(result.code).toBe(2);
    expect(result.lines[0]).toMatchObject({ level: 'error', key: '--shard', msg: expect.stringContaining('--shard: got "3/3"; allowed: I/N with 0 <= I < N') });
    expect(sim.requests).toEqual([]);
  });
});
