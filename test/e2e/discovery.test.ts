import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { selectDiscovered } from '../../src/pass/targets.js';
import { runOnce } from '../../src/pass/run-once.js';
import { DcsSimulator } from '../../sim/index.js';
import { buildClients } from '../../src/commands/clients.js';
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

  it('archives two projects at two endpoints, each with its own credentials, discovering by tag in both', async () => {
    const OTHER_PROJECT = '9f8e7d6c5b4a39281706f5e4d3c2b1a0';
    const other = await DcsSimulator.start({ credentials: { ak: 'AKOTHERREGION0001', sk: 'SKotherRegionSecret0002' } });
    try {
      const picked: string[] = [];
      for (let i = 0; i < 40; i++) {
        const id = `other-${i}`;
        const instance = other.addInstance(OTHER_PROJECT, { id, name: id, cacheMode: 'single', tags: { env: i % 4 === 0 ? 'prod' : 'dev' } });
        const replica = instance.replicas[0]!;
        other.addLog(OTHER_PROJECT, id, { replicationIp: replica.ip, groupName: replica.groupName, date: yesterday, size: 64 });
        if (i % 4 === 0) picked.push(id);
      }
      const config = validateConfig({
        dcs: { endpoint: sim.endpoint, projectId: TEST_PROJECT_ID, allowHttp: true, requestsPerSecond: 1000 },
        discover: { enabled: true, tags: { env: 'prod' }, namePattern: '^orders-' },
        projects: [{ projectId: OTHER_PROJECT, endpoint: other.endpoint, credentialsEnv: { ak: 'SG_AK', sk: 'SG_SK' }, discover: { enabled: true, tags: { env: 'prod' } } }],
        collect: { enabled: false },
        archive: { concurrency: 16 },
        destination: { url: `file://${await mkdtemp(join(tmpdir(), 'archiver-projects-'))}/` },
      });
      const env = { HUAWEICLOUD_SDK_AK: TEST_AK, HUAWEICLOUD_SDK_SK: TEST_SK, SG_AK: 'AKOTHERREGION0001', SG_SK: 'SKotherRegionSecret0002' };
      const wired = buildClients(config, env, () => undefined);
      const report = await runOnce(config, { ...wired.deps, onEvent: () => undefined });
      await wired.close();

      expect(report.result).toBe('ok');
      const fromOther = report.instances.filter((i) => i.projectId === OTHER_PROJECT);
      expect(fromOther.map((i) => i.instanceId).sort()).toEqual(picked.sort());
      expect(fromOther.every((i) => i.archived.length === 1)).toBe(true);
      const fromMain = report.instances.filter((i) => i.projectId === TEST_PROJECT_ID).map((i) => i.instanceId);
      expect(fromMain.length).toBeGreaterThan(100);
      expect(fromMain.every((id) => Number(id.slice(5)) % 3 === 0 && Number(id.slice(5)) % 2 === 0)).toBe(true);
      expect(other.requests.every((r) => r.status !== 401)).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('refuses a project whose named credential variable is not set, before any network call', () => {
    const config = validateConfig({
      dcs: { endpoint: sim.endpoint, projectId: TEST_PROJECT_ID, allowHttp: true },
      projects: [{ projectId: 'p2', credentialsEnv: { ak: 'MISSING_AK', sk: 'MISSING_SK' }, instances: ['p2-instance'] }],
      destination: { url: 'file:///tmp/x/' },
    });
    expect(() => buildClients(config, { HUAWEICLOUD_SDK_AK: TEST_AK, HUAWEICLOUD_SDK_SK: TEST_SK }, () => undefined)).toThrow('config projects[0].credentialsEnv: names MISSING_AK, which is not set');
  });

  it('pages through 1,200 instances and archives only those matching tag, status and name, minus exclusions', async () => {
    sim.resetRequests();
    const config = validateConfig({
      dcs: { endpoint: sim.endpoint, projectId: TEST_PROJECT_ID, allowHttp: true, requestsPerSecond: 1000 },
      // team=core matches all: 1,080 running instances take two pages of 1,000.
      discover: { enabled: true, tags: { team: 'core' }, namePrefix: 'orders-', namePattern: '^orders-\\d+$', exclude: ['disc-0006'] },
      collect: { enabled: false },
      archive: { concurrency: 16 },
      destination: { url: `file://${await mkdtemp(join(tmpdir(), 'archiver-discover-'))}/` },
    });
    const wired = buildClients(config, { HUAWEICLOUD_SDK_AK: TEST_AK, HUAWEICLOUD_SDK_SK: TEST_SK }, () => undefined);
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
