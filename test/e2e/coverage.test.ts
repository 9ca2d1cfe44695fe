import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DcsSimulator } from '../../sim/index.js';
import { runCli, simEnv } from '../support/cli.js';
import { TEST_AK, TEST_PROJECT_ID, TEST_SK } from '../support/secrets.js';
import { dayBefore } from '../support/days.js';


describe('the coverage command', () => {
  let sim: DcsSimulator;
  let configPath: string;

  beforeAll(async () => {
    sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK } });
    for (const id of ['kept', 'neglected']) {
      const instance = sim.addInstance(TEST_PROJECT_ID, { id, name: id, cacheMode: 'single' });
      const replica = instance.replicas[0]!;
      for (let back = 7; back >= 1; back--) sim.addLog(TEST_PROJECT_ID, id, { replicationIp: replica.ip, groupName: replica.groupName, date: dayBefore(back), size: 100 + back });
    }
    const root = await mkdtemp(join(tmpdir(), 'archiver-coverage-'));
    configPath = join(root, 'config.yaml');
    await writeFile(
      configPath,
      JSON.stringify({
        dcs: { endpoint: sim.endpoint, projectId: TEST_PROJECT_ID, allowHttp: true },
        instances: ['kept', 'neglected'],
        collect: { enabled: false },
        destination: { url: `file://${root}/` },
      }),
    );
    const archived = await runCli(['archive', '--config', configPath, '--instance', 'kept'], simEnv());
    expect(archived.code, archived.stdout).toBe(0);
  });

  afterAll(async () => {
    await sim.close();
  });

  it('draws one line per replica and exits 1 when a day is at risk, changing nothing', async () => {
    sim.resetRequests();
    const result = await runCli(['coverage', '--config', configPath], simEnv());
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^kept\n {2}\S+\s+#######~$/m);
    expect(result.stdout).toMatch(/^neglected\n {2}\S+\s+!!-----~$/m);
    expect(result.stdout).toContain('2 day(s) at risk across 2 instance(s)');
    expect(sim.requests.every((r) => r.method === 'GET')).toBe(true);
  });

  it('prints the same picture as JSON, and exits 0 when nothing is at risk', async () => {
    const json = await runCli(['coverage', '--config', configPath, '--json'], simEnv());
    const parsed = JSON.parse(json.stdout);
    expect(parsed.atRisk).toBe(2);
    expect(parsed.instances.find((i: { id: string }) => i.id === 'neglected').coverage.atRisk.map((d: { date: string }) => d.date)).toEqual([dayBefore(7), dayBefore(6)]);
    const kept = await runCli(['coverage', '--config', configPath, '--instance', 'kept'], simEnv());
    expect(kept.code).toBe(0);
  });
});
