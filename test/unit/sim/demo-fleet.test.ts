import { afterEach, describe, expect, it } from 'vitest';
import { DcsSimulator, seedDemoFleet } from '../../../sim/index.js';
import { TEST_AK, TEST_PROJECT_ID, TEST_SK } from '../../support/secrets.js';
import { T0 } from './sim-client.js';

let sim: DcsSimulator | undefined;
afterEach(async () => {
  await sim?.close();
});

describe('the demo fleet', () => {
  it('has a cluster, a master/standby and a single node, each with logs for the last three closed days', async () => {
    sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK }, now: () => T0 });
    const fleet = seedDemoFleet(sim, TEST_PROJECT_ID, T0);
    expect(fleet.instances.map((i) => i.cacheMode)).toEqual(['cluster', 'ha', 'single']);
    const replicas = fleet.instances.reduce((n, i) => n + i.replicas.length, 0);
    expect(fleet.logs).toHaveLength(replicas * 3);
    expect(new Set(fleet.logs.map((l) => l.date))).toEqual(new Set(['2024-04-13', '2024-04-14', '2024-04-15']));
    const sizes = fleet.logs.map((l) => l.size);
    expect(Math.min(...sizes)).toBe(0);
    expect(Math.max(...sizes)).toBeLessThan(512 * 1024);
    for (const instance of fleet.instances) expect(sim.logs(TEST_PROJECT_ID, instance.id).every((l) => l.status === 'succeed')).toBe(true);
  });
});
