import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import type { ArchiverEvent } from '../../src/events.js';
import { runOnce } from '../../src/pass/run-once.js';
import { DcsSimulator } from '../../sim/index.js';
import { buildClients } from '../../src/commands/clients.js';
import { TEST_AK, TEST_PROJECT_ID, TEST_SK } from '../support/secrets.js';

/**
 * A gateway answering half of all API calls with 429: the pass must still complete, the shared
 * request rate must fall, and no call may be tried more than the configured attempts. Pauses
 * advance a clock shared with the simulator, so backoff costs no real time.
 */
describe('a 429 storm', () => {
  let sim: DcsSimulator;
  let clock = Date.parse('2026-11-30T03:17:00Z');
  const attempts = 10;

  beforeAll(async () => {
    sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK }, now: () => clock });
    for (let i = 0; i < 20; i++) {
      const instance = sim.addInstance(TEST_PROJECT_ID, { id: `storm-${i}`, name: `storm-${i}`, cacheMode: 'single' });
      const replica = instance.replicas[0]!;
      for (const date of ['2026-11-28', '2026-11-29']) sim.addLog(TEST_PROJECT_ID, instance.id, { replicationIp: replica.ip, groupName: replica.groupName, date, size: 2048 });
    }
    for (const op of ['list', 'link'] as const) sim.injectFault({ op, kind: 'http-429', probability: 0.5, seed: op === 'list' ? 7 : 11, retryAfterSeconds: 1 });
  });

  afterAll(async () => {
    await sim.close();
  });

  it('completes the pass with the request rate falling and at most the configured attempts per call', async () => {
    const config = validateConfig({
      dcs: { endpoint: sim.endpoint, projectId: TEST_PROJECT_ID, allowHttp: true, requestsPerSecond: 20, retry: { attempts, baseDelayMs: 200, maxDelayMs: 5000 } },
      instances: Array.from({ length: 20 }, (_, i) => `storm-${i}`),
      collect: { enabled: false },
      archive: { concurrency: 8 },
      destination: { url: `file://${await mkdtemp(join(tmpdir(), 'archiver-storm-'))}/` },
    });
    const events: ArchiverEvent[] = [];
    const sleep = async (ms: number) => {
      clock += ms;
    };
    const wired = buildClients(config, { HUAWEICLOUD_SDK_AK: TEST_AK, HUAWEICLOUD_SDK_SK: TEST_SK }, (e) => events.push(e), { now: () => new Date(clock), sleep, random: () => 0.5 });
    const report = await runOnce(config, { ...wired.deps, onEvent: (e) => events.push(e) });
    await wired.close();

    expect(report.result).toBe('ok');
    expect(report.counts.archived).toBe(40);
    const throttled = sim.requests.filter((r) => r.status === 429);
    expect(throttled.length).toBeGreaterThan(20);

    // Each logical call (one listing per instance, one link per file) within the attempt budget.
    const perCall = new Map<string, number>();
    for (const r of sim.requests.filter((r) => r.op === 'list' || r.op === 'link')) {
      const key = `${r.op} ${r.instanceId} ${r.logId ?? ''}`;
      perCall.set(key, (perCall.get(key) ?? 0) + 1);
    }
    expect(Math.max(...perCall.values())).toBeLessThanOrEqual(attempts);
    expect(perCall.size).toBe(20 + 40);

    // The shared rate fell below its ceiling, and requests spread out in time.
    const rates = events.flatMap((e) => (e.type === 'rate-lowered' ? [e.ratePerSecond] : []));
    expect(rates.length).toBeGreaterThan(0);
    expect(Math.min(...rates)).toBeLessThan(5);
  });
});
