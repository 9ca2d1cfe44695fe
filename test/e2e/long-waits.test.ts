import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DcsSimulator } from '../../sim/index.js';
import { runCli, simEnv } from '../support/cli.js';
import { TEST_AK, TEST_PROJECT_ID, TEST_SK } from '../support/secrets.js';

/**
 * A pass that waits says so: when the wait starts, and about every 10 s while it lasts, naming
 * the instance by its configured name. Here DCS takes 12 s (real time) to produce collected files.
 */
describe('long waits', () => {
  let sim: DcsSimulator;
  let dir: string;

  beforeAll(async () => {
    sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK }, collectDelayMs: 12_000 });
    sim.addInstance(TEST_PROJECT_ID, { id: 'c0ffee01', name: 'orders-cache', cacheMode: 'single', dailyBytes: 2_000 });
    dir = await mkdtemp(join(tmpdir(), 'archiver-waits-'));
  });

  afterAll(async () => {
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('says when the wait for collected files starts and again while it lasts', async () => {
    const path = join(dir, 'config.yaml');
    await writeFile(
      path,
      JSON.stringify({
        dcs: { endpoint: sim.endpoint, projectId: TEST_PROJECT_ID, allowHttp: true },
        instances: [{ id: 'c0ffee01', name: 'orders-cache' }],
        collect: { enabled: true, waitSeconds: 60 },
        destination: { url: `file://${dir}/archive/` },
      }),
    );
    const result = await runCli(['archive', '--config', path], simEnv());
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const messages = result.lines.map((line) => line.msg);
    const started = messages.indexOf('waiting for collected run logs');
    const planned = messages.indexOf('instance planned');
    expect(result.lines[started]).toMatchObject({ level: 'info', instance: 'c0ffee01', instanceName: 'orders-cache', replicas: 1, waitSeconds: 60 });
    const reminders = result.lines.filter((line) => line.msg === 'still waiting');
    expect(reminders.length).toBeGreaterThanOrEqual(1);
    for (const line of reminders) expect(line).toMatchObject({ wait: 'collection', instance: 'c0ffee01', instanceName: 'orders-cache', waitSeconds: 60 });
    expect(reminders[0]!.seconds).toBeGreaterThanOrEqual(10);
    // Said between the start of the wait and the plan it was waiting for.
    expect(messages.indexOf('still waiting')).toBeGreaterThan(started);
    expect(messages.indexOf('still waiting')).toBeLessThan(planned);
    expect(result.lines.filter((line) => line.msg === 'archived').length).toBeGreaterThan(0);
  });
});
