import { afterEach, describe, expect, it } from 'vitest';
import { DcsSimulator, type SimOptions } from '../../../sim/index.js';
import { TEST_AK, TEST_PROJECT_ID, TEST_SK } from '../../support/secrets.js';
import { call, clock, p } from './sim-client.js';

let sim: DcsSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function setup(options: Partial<SimOptions> = {}) {
  const time = clock();
  sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK }, now: time.now, ...options });
  const instance = sim.addInstance(TEST_PROJECT_ID, { name: 'faulty' });
  const other = sim.addInstance(TEST_PROJECT_ID, { name: 'healthy' });
  sim.addLog(TEST_PROJECT_ID, instance.id, { replicationIp: '10.0.0.10', groupName: 'group-0', date: '2024-04-15', size: 10 });
  const s = sim;
  const list = (id = instance.id) => call(s, p(`/instances/${id}/redislog?log_type=run&offset=0&limit=10`), { at: time.now() });
  return { sim: s, instance, other, list, time };
}

describe('injected faults', () => {
  it('answers 429 APIGW.0308 with Retry-After for the given number of times, then recovers', async () => {
    const { sim, list } = await setup();
    sim.injectFault({ op: 'list', kind: 'http-429', times: 2, retryAfterSeconds: 3 });
    for (let i = 0; i < 2; i++) {
      const res = await list();
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('3');
      expect(res.headers.get('x-request-id')).toBeTruthy();
      expect(await res.json()).toMatchObject({ error_code: 'APIGW.0308', error_ext_msg: null });
    }
    expect((await list()).status).toBe(200);
  });

  it('answers 5xx with a 9-digit DCS code and applies only to the named instance', async () => {
    const { sim, instance, other, list } = await setup();
    sim.injectFault({ op: 'list', kind: 'http-503', instanceId: instance.id });
    const res = await list();
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error_code: string }).error_code).toMatch(/^\d{9}$/);
    expect((await list(other.id)).status).toBe(204);
    sim.clearFaults();
    expect((await list()).status).toBe(200);
  });

  it('hits a seeded random share of requests, the same share every run', async () => {
    const outcomes = async (): Promise<number[]> => {
      const { sim, list } = await setup();
      sim.injectFault({ op: 'list', kind: 'http-500', probability: 0.5, seed: 7 });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await list()).status);
      await sim.close();
      return statuses;
    };
    const first = await outcomes();
    expect(first).toContain(500);
    expect(first).toContain(200);
    expect(await outcomes()).toEqual(first);
  });

  it('answers a 200 whose body is not JSON on malformed-json', async () => {
    const { sim, list } = await setup();
    sim.injectFault({ op: 'list', kind: 'malformed-json', times: 1 });
    const res = await list();
    expect(res.status).toBe(200);
    await expect(res.json()).rejects.toThrow();
  });

  it('answers a 5 MiB error body on huge-error-body', async () => {
    const { sim, list } = await setup();
    sim.injectFault({ op: 'list', kind: 'huge-error-body', times: 1 });
    const res = await list();
    expect(res.status).toBe(500);
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(5 * 1024 * 1024);
    await res.arrayBuffer();
  });

  it('delays the answer on slow', async () => {
    const { sim, list } = await setup();
    sim.injectFault({ op: 'list', kind: 'slow', delayMs: 150, times: 1 });
    const started = performance.now();
    expect((await list()).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('cuts a JSON answer short on truncate, so the client cannot parse it', async () => {
    const { sim, list } = await setup();
    sim.injectFault({ op: 'list', kind: 'truncate', truncateAt: 10, times: 1 });
    const res = await list();
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it('resets the connection on reset', async () => {
    const { sim, list } = await setup();
    sim.injectFault({ op: 'list', kind: 'reset', times: 1 });
    await expect(list()).rejects.toThrow();
    expect((await list()).status).toBe(200);
  });

  it('never answers on hang, and close() still ends promptly', async () => {
    const { sim, list } = await setup();
    sim.injectFault({ op: 'list', kind: 'hang' });
    const pending = list().then(
      () => 'answered',
      () => 'failed',
    );
    const raced = await Promise.race([pending, new Promise((r) => setTimeout(() => r('still waiting'), 200))]);
    expect(raced).toBe('still waiting');
    const started = performance.now();
    await sim.close();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await pending).toBe('failed');
  });

  it('hands out an already-expired link on expired-link for the link call, and answers 403 on the download', async () => {
    const { sim, instance } = await setup();
    const [log] = sim.logs(TEST_PROJECT_ID, instance.id);
    const getLink = async () => {
      const res = await call(sim, p(`/instances/${instance.id}/redislog/${log!.id}/links`), { method: 'POST', at: Date.UTC(2024, 3, 16, 10) });
      return ((await res.json()) as { link: string }).link;
    };
    sim.injectFault({ op: 'link', kind: 'expired-link', times: 1 });
    expect((await fetch(await getLink())).status).toBe(403);
    const fresh = await getLink();
    sim.injectFault({ op: 'download', kind: 'expired-link', logId: log!.id, times: 1 });
    const denied = await fetch(fresh);
    expect(denied.status).toBe(403);
    expect(await denied.text()).toContain('AccessDenied');
    expect((await fetch(fresh)).status).toBe(200);
  });

  it('applies faults only after authentication, so a bad signature is still a 401', async () => {
    const { sim, instance, time } = await setup();
    sim.injectFault({ op: 'list', kind: 'http-500', times: 1 });
    const res = await call(sim, p(`/instances/${instance.id}/redislog?log_type=run`), { at: time.now(), sk: 'wrong' });
    expect(res.status).toBe(401);
    expect((await call(sim, p(`/instances/${instance.id}/redislog?log_type=run`), { at: time.now() })).status).toBe(500);
  });
});
