import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { selectDiscovered } from '../../src/discover.js';
import { runOnce } from '../../src/run.js';
import { DcsSimulator } from '../../src/sim/index.js';
import { wire } from '../../src/wire.js';
import { TEST_AK, TEST_PROJECT_ID, TEST_SK } from '../support/secrets.js';

const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

describe('instance discovery', () => {
  let sim: DcsSimulator;
  const expected: string[] = [];

  beforeAll(async () => {
    sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK } });
    for (let i = 0; i < 1200; i++) {
      const env = ['prod', 'staging', 'dev'][i % 3]!;
      const status = i % 10 === 0 ? 'FROZEN' : 'RUNNING';
      const id = `disc-${String(i).padStart(4, '0')}`;
      const instance = sim.addInstance(TEST_PROJECT_ID, { id, name: `${i % 2 === 0 ? 'orders' : 'sessions'}-${i}`, cacheMode: 'single', tags: { env, team: 'core' }, status });
      // A few prod instances get a log; the rest have none (a 204), which keeps the pass small.
      if (i % 30 === 0 || i % 30 === 3) {
        const replica = instance.replicas[0]!;
        sim.addLog(TEST_PROJECT_ID, id, { replicationIp: replica.ip, groupName: replica.groupName, date: yesterday, size: 100 });
      }
      if (status === 'RUNNING' && i % 2 === 0 && id !== 'disc-0006') expected.push(id);
    }
  });

  afterAll(async () => {
    await sim.close();
  });

  it('pages through 1,200 instances and archives only those matching tag, status and name, minus exclusions', async () => {
    const config = validateConfig({
      dcs: { endpoint: sim.endpoint, projectId: TEST_PROJECT_ID, allowHttp: true, requestsPerSecond: 1000 },
      // team=core matches all: 1,080 running instances take two pages of 1,000.
      discover: { enabled: true, tags: { team: 'core' }, namePrefix: 'orders-', namePattern: '^orders-\\d+$', exclude: ['disc-0006'] },
      collect: { enabled: false },
      archive: { concurrency: 16 },
      destination: { url: `file://${await mkdtemp(join(tmpdir(), 'archiver-discover-'))}/` },
    });
    const wired = wire(config, { HUAWEICLOUD_SDK_AK: TEST_AK, HUAWEICLOUD_SDK_SK: TEST_SK }, () => undefined);
    const report = await runOnce(config, { ...wired.deps, onEvent: () => undefined });
    await wired.close();

    expect(report.result).toBe('ok');
    expect(report.instances.map((i) => i.instanceId).sort()).toEqual(expected.sort());
    expect(sim.requests.filter((r) => r.op === 'instances').length).toBeGreaterThanOrEqual(2);
    const listed = new Set(sim.requests.filter((r) => r.op === 'list').map((r) => r.instanceId));
    expect([...listed].sort()).toEqual(expected.sort());
    expect(report.counts.archived).toBe(expected.filter((id) => Number(id.slice(5)) % 30 === 0).length);
  });

  it('selects by name pattern and any status when asked', () => {
    const listed = [
      { id: 'a', name: 'orders-1', status: 'RUNNING', tags: {} },
      { id: 'b', name: 'orders-x', status: 'FROZEN', tags: {} },
      { id: 'c', name: 'carts-1', status: 'RUNNING', tags: {} },
    ];
    const filter = { enabled: true, namePrefix: null, namePattern: '^orders-\\d+$', tags: {}, status: null, exclude: [] };
    expect(selectDiscovered(listed, filter).map((i) => i.id)).toEqual(['a']);
    expect(selectDiscovered(listed, { ...filter, namePattern: null }).map((i) => i.id)).toEqual(['a', 'b', 'c']);
  });
});
