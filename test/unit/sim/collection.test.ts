import { afterEach, describe, expect, it } from 'vitest';
import { DcsSimulator, type SimOptions } from '../../../sim/index.js';
import { TEST_AK, TEST_PROJECT_ID, TEST_SK } from '../../support/secrets.js';
import { DAY, T0, call, clock, p, readAll } from './sim-client.js';

let sim: DcsSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function setup(options: Partial<SimOptions> = {}, start = T0) {
  const time = clock(start);
  sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK }, now: time.now, ...options });
  const instance = sim.addInstance(TEST_PROJECT_ID, { name: 'collect', dailyBytes: 86_400 });
  return { sim, time, instance };
}

type Item = { id: string; status: string; time: string; replication_ip: string };

async function listing(s: DcsSimulator, instanceId: string, at: number): Promise<Item[]> {
  const res = await call(s, p(`/instances/${instanceId}/redislog?log_type=run&offset=0&limit=1000`), { at });
  if (res.status === 204) return [];
  return ((await res.json()) as { file_list: Item[] }).file_list;
}

function collectPath(instanceId: string, query: string): string {
  return p(`/instances/${instanceId}/redislog?log_type=run&${query}`);
}

describe('collection', () => {
  it('creates not-ready items for today-Q through today that turn succeed after the delay', async () => {
    const { sim, time, instance } = await setup({ collectDelayMs: 30_000 });
    const replica = instance.replicas[1]!;
    const res = await call(sim, collectPath(instance.id, `query_time=3&replication_id=${replica.id}`), { method: 'POST', at: time.now() });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');

    const items = await listing(sim, instance.id, time.now());
    expect(items.map((i) => i.time)).toEqual(['2024-04-13', '2024-04-14', '2024-04-15', '2024-04-16']);
    expect(items.every((i) => i.status === 'creating' && i.replication_ip === replica.ip)).toBe(true);

    time.advance(29_999);
    expect((await listing(sim, instance.id, time.now())).every((i) => i.status === 'creating')).toBe(true);
    time.advance(1);
    expect((await listing(sim, instance.id, time.now())).every((i) => i.status === 'succeed')).toBe(true);
  });

  it('refuses a link for an item that is not ready yet', async () => {
    const { sim, time, instance } = await setup({ collectDelayMs: 10_000 });
    await call(sim, collectPath(instance.id, `query_time=0&replication_id=${instance.replicas[0]!.id}`), { method: 'POST', at: time.now() });
    const [item] = await listing(sim, instance.id, time.now());
    const res = await call(sim, p(`/instances/${instance.id}/redislog/${item!.id}/links`), { method: 'POST', at: time.now() });
    expect(res.status).toBe(400);
  });

  it('sizes a closed day fully and today by the share elapsed, and re-collecting today gives a new, longer item', async () => {
    const { sim, time, instance } = await setup();
    const replicationId = instance.replicas[0]!.id;
    await call(sim, collectPath(instance.id, `query_time=1&replication_id=${replicationId}`), { method: 'POST', at: time.now() });
    const [yesterday, morning] = sim.logs(TEST_PROJECT_ID, instance.id);
    expect(yesterday).toMatchObject({ date: '2024-04-15', size: 86_400 });
    expect(morning).toMatchObject({ date: '2024-04-16', size: 36_000 }); // 10:00 UTC

    time.advance(2 * 3_600_000);
    await call(sim, collectPath(instance.id, `query_time=0&replication_id=${replicationId}`), { method: 'POST', at: time.now() });
    const noon = sim.logs(TEST_PROJECT_ID, instance.id)[2]!;
    expect(noon.id).not.toBe(morning!.id);
    expect(noon.size).toBe(43_200);
    // The morning file is a prefix of the noon one: the same log, grown.
    const longer = await readAll(sim.content(noon.id));
    expect(longer.subarray(0, morning!.size)).toEqual(await readAll(sim.content(morning!.id)));
  });

  it('defines today in the configured time zone', async () => {
    // 2024-04-16T20:00Z is already 04:00 on the 17th in Shanghai.
    const { sim, time, instance } = await setup({ timeZone: 'Asia/Shanghai' }, Date.UTC(2024, 3, 16, 20, 0, 0));
    await call(sim, collectPath(instance.id, `query_time=0&replication_id=${instance.replicas[0]!.id}`), { method: 'POST', at: time.now() });
    expect(sim.logs(TEST_PROJECT_ID, instance.id)).toEqual([expect.objectContaining({ date: '2024-04-17', size: 14_400 })]);
    expect(sim.today()).toBe('2024-04-17');
  });

  it('requires a known replication_id except on a single-node instance', async () => {
    const { sim, time, instance } = await setup();
    const missing = await call(sim, collectPath(instance.id, 'query_time=0'), { method: 'POST', at: time.now() });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error_code: 'DCS.4800' });
    const unknown = await call(sim, collectPath(instance.id, 'query_time=0&replication_id=nope'), { method: 'POST', at: time.now() });
    expect(unknown.status).toBe(400);

    const single = sim.addInstance(TEST_PROJECT_ID, { name: 'single', cacheMode: 'single' });
    expect((await call(sim, collectPath(single.id, 'query_time=0'), { method: 'POST', at: time.now() })).status).toBe(204);
    expect(sim.logs(TEST_PROJECT_ID, single.id)).toHaveLength(1);
  });

  it('accepts only query_time 0, 1, 3 and 7', async () => {
    const { sim, time, instance } = await setup();
    const replicationId = instance.replicas[0]!.id;
    for (const q of ['0', '1', '3', '7']) {
      expect((await call(sim, collectPath(instance.id, `query_time=${q}&replication_id=${replicationId}`), { method: 'POST', at: time.now() })).status).toBe(204);
    }
    for (const q of ['2', '8', '-1', 'x']) {
      const res = await call(sim, collectPath(instance.id, `query_time=${q}&replication_id=${replicationId}`), { method: 'POST', at: time.now() });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error_code: 'DCS.4800' });
    }
  });

  it('still collects from an inactive replica', async () => {
    const { sim, time, instance } = await setup();
    const replica = instance.replicas[1]!;
    sim.setReplicaActive(TEST_PROJECT_ID, instance.id, replica.id, false);
    expect((await call(sim, collectPath(instance.id, `query_time=0&replication_id=${replica.id}`), { method: 'POST', at: time.now() })).status).toBe(204);
  });

  it('answers 400 DCS.4017 only when a job-running fault is injected', async () => {
    const { sim, time, instance } = await setup();
    sim.injectFault({ op: 'collect', kind: 'job-running', times: 1, instanceId: instance.id });
    const path = collectPath(instance.id, `query_time=0&replication_id=${instance.replicas[0]!.id}`);
    const busy = await call(sim, path, { method: 'POST', at: time.now() });
    expect(busy.status).toBe(400);
    expect(await busy.json()).toMatchObject({ error_code: 'DCS.4017' });
    expect((await call(sim, path, { method: 'POST', at: time.now() })).status).toBe(204);
  });
});

describe('retention', () => {
  it('drops items dated more than seven days before today from listings, links and downloads', async () => {
    const { sim, time, instance } = await setup();
    const add = (date: string) => sim.addLog(TEST_PROJECT_ID, instance.id, { replicationIp: '10.0.0.10', groupName: 'group-0', date, size: 10 });
    const edge = add('2024-04-09'); // today-7: still kept
    add('2024-04-08'); // today-8: gone
    expect(sim.logs(TEST_PROJECT_ID, instance.id).map((l) => l.id)).toEqual([edge.id]);

    const linkRes = await call(sim, p(`/instances/${instance.id}/redislog/${edge.id}/links`), { method: 'POST', at: time.now() });
    const { link } = (await linkRes.json()) as { link: string };

    time.advance(DAY);
    expect(await listing(sim, instance.id, time.now())).toEqual([]);
    const gone = await call(sim, p(`/instances/${instance.id}/redislog/${edge.id}/links`), { method: 'POST', at: time.now() });
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ error_code: '111404022' });
    const download = await fetch(link);
    expect(download.status).toBe(404);
    expect(await download.text()).toContain('NoSuchKey');
  });

  it('answers 204 once every item of an instance has expired', async () => {
    const { sim, time, instance } = await setup();
    sim.addLog(TEST_PROJECT_ID, instance.id, { replicationIp: '10.0.0.10', groupName: 'group-0', date: '2024-04-16', size: 10 });
    time.advance(7 * DAY);
    expect((await call(sim, p(`/instances/${instance.id}/redislog?log_type=run&offset=0&limit=10`), { at: time.now() })).status).toBe(200);
    time.advance(DAY);
    expect((await call(sim, p(`/instances/${instance.id}/redislog?log_type=run&offset=0&limit=10`), { at: time.now() })).status).toBe(204);
  });
});
