import { afterEach, describe, expect, it } from 'vitest';
import { DcsSimulator, type SimOptions } from '../../../sim/index.js';
import { TEST_AK, TEST_PROJECT_ID, TEST_SK } from '../../support/secrets.js';
import { T0, call, p } from './sim-client.js';

let sims: DcsSimulator[] = [];

async function start(options: Partial<SimOptions> = {}): Promise<DcsSimulator> {
  const sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK }, now: () => T0, ...options });
  sims.push(sim);
  return sim;
}

afterEach(async () => {
  await Promise.all(sims.map((s) => s.close()));
  sims = [];
});

function addLogs(sim: DcsSimulator, instanceId: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    sim.addLog(TEST_PROJECT_ID, instanceId, { replicationIp: '10.0.0.10', groupName: 'group-0', date: `2024-04-${String(10 + (i % 6)).padStart(2, '0')}`, size: 100 + i }).id,
  );
}

async function page(sim: DcsSimulator, instanceId: string, offset: number, limit: number): Promise<{ total_num: number; file_list: Array<{ id: string }> }> {
  const res = await call(sim, p(`/instances/${instanceId}/redislog?log_type=run&offset=${offset}&limit=${limit}`), { at: T0 });
  expect(res.status).toBe(200);
  return (await res.json()) as { total_num: number; file_list: Array<{ id: string }> };
}

describe('the run-log listing', () => {
  it('answers 204 with an empty body when the instance has no run logs', async () => {
    const sim = await start();
    const instance = sim.addInstance(TEST_PROJECT_ID, { name: 'empty' });
    const res = await call(sim, p(`/instances/${instance.id}/redislog?log_type=run&offset=0&limit=10`), { at: T0 });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f]+$/);
  });

  it('pages from offset 0 when the server counts from 0', async () => {
    const sim = await start({ offsetBase: 0 });
    const instance = sim.addInstance(TEST_PROJECT_ID, { name: 'zero' });
    const ids = addLogs(sim, instance.id, 7);
    const first = await page(sim, instance.id, 0, 3);
    const second = await page(sim, instance.id, 3, 3);
    const third = await page(sim, instance.id, 6, 3);
    const beyond = await page(sim, instance.id, 9, 3);
    expect(first.total_num).toBe(7);
    expect([...first.file_list, ...second.file_list, ...third.file_list].map((i) => i.id)).toEqual(ids);
    expect(beyond.file_list).toEqual([]);
  });

  it('pages from offset 1 when the server counts from 1, and refuses offset 0 there', async () => {
    const sim = await start({ offsetBase: 1 });
    const instance = sim.addInstance(TEST_PROJECT_ID, { name: 'one' });
    const ids = addLogs(sim, instance.id, 5);
    const first = await page(sim, instance.id, 1, 2);
    const second = await page(sim, instance.id, 3, 2);
    const third = await page(sim, instance.id, 5, 2);
    expect([...first.file_list, ...second.file_list, ...third.file_list].map((i) => i.id)).toEqual(ids);

    const res = await call(sim, p(`/instances/${instance.id}/redislog?log_type=run&offset=0&limit=2`), { at: T0 });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error_code: 'DCS.4800', error_msg: 'Invalid offset in the request.', error_ext_msg: null });
  });

  it('uses a limit of 10 by default and refuses limits outside 1..1000', async () => {
    const sim = await start();
    const instance = sim.addInstance(TEST_PROJECT_ID, { name: 'many' });
    addLogs(sim, instance.id, 12);
    const res = await call(sim, p(`/instances/${instance.id}/redislog?log_type=run`), { at: T0 });
    expect(((await res.json()) as { file_list: unknown[] }).file_list).toHaveLength(10);
    for (const limit of ['0', '1001', 'x']) {
      const bad = await call(sim, p(`/instances/${instance.id}/redislog?log_type=run&limit=${limit}`), { at: T0 });
      expect(bad.status).toBe(400);
    }
  });

  it('refuses a log_type other than run with DCS.4800', async () => {
    const sim = await start();
    const instance = sim.addInstance(TEST_PROJECT_ID, { name: 'slow' });
    const res = await call(sim, p(`/instances/${instance.id}/redislog?log_type=slow&offset=0&limit=10`), { at: T0 });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error_code: 'DCS.4800', error_msg: 'Invalid logType.' });
  });

  it('lists items with the wire field names, omitting backup_id when asked and appending raw items verbatim', async () => {
    const sim = await start();
    const instance = sim.addInstance(TEST_PROJECT_ID, { name: 'fields' });
    const log = sim.addLog(TEST_PROJECT_ID, instance.id, { replicationIp: '10.0.0.10', groupName: 'group-0', date: '2024-04-15', size: 5, backupId: null });
    sim.addRawItem(TEST_PROJECT_ID, instance.id, { id: 42, file_name: null });
    const res = await call(sim, p(`/instances/${instance.id}/redislog?log_type=run&offset=0&limit=10`), { at: T0 });
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      total_num: 2,
      file_list: [
        { id: log.id, file_name: 'redis_10.0.0.10_2024-04-15.log', group_name: 'group-0', replication_ip: '10.0.0.10', status: 'succeed', time: '2024-04-15' },
        { id: 42, file_name: null },
      ],
    });
  });

  it('answers 404 DCS.3022 with a request id for an unknown instance', async () => {
    const sim = await start();
    const res = await call(sim, p('/instances/00000000-0000-4000-a000-000000000000/redislog?log_type=run'), { at: T0 });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(await res.json()).toEqual({ error_code: 'DCS.3022', error_msg: 'The instance does not exist.', error_ext_msg: null });
  });

  it('answers an unknown path with the gateway 404, including the plural/singular instance mix-up', async () => {
    const sim = await start();
    const instance = sim.addInstance(TEST_PROJECT_ID, { name: 'paths' });
    const res = await call(sim, p(`/instances/${instance.id}/groups`), { at: T0 });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error_code: 'APIGW.0101' });
    expect(sim.requests.at(-1)?.op).toBe('unknown');
  });

  it('records each call with its op, query, status and signed header names', async () => {
    const sim = await start();
    const instance = sim.addInstance(TEST_PROJECT_ID, { name: 'recorded' });
    await call(sim, p(`/instances/${instance.id}/redislog?log_type=run&offset=0&limit=5`), { at: T0 });
    expect(sim.requests).toEqual([
      {
        op: 'list',
        method: 'GET',
        path: p(`/instances/${instance.id}/redislog`),
        query: { log_type: 'run', offset: '0', limit: '5' },
        status: 204,
        at: T0,
        projectId: TEST_PROJECT_ID,
        instanceId: instance.id,
        authHeaders: true,
        signedHeaders: ['host', 'x-project-id', 'x-sdk-date'],
      },
    ]);
    sim.resetRequests();
    expect(sim.requests).toEqual([]);
  });
});

describe('shards, replicas and instances', () => {
  it('lists a cluster’s groups on the singular instance path, with DCS’s field names', async () => {
    const sim = await start();
    const instance = sim.addInstance(TEST_PROJECT_ID, { name: 'cluster', cacheMode: 'cluster', shards: 2, replicasPerShard: 2 });
    sim.setReplicaActive(TEST_PROJECT_ID, instance.id, instance.replicas[1]!.id, false);
    const res = await call(sim, p(`/instance/${instance.id}/groups`), { at: T0 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { group_count: number; group_list: Array<{ group_name: string; replication_list: Array<Record<string, unknown>> }> };
    expect(body.group_count).toBe(2);
    expect(body.group_list.map((g) => g.group_name)).toEqual(['group-0', 'group-1']);
    expect(body.group_list[0]!.replication_list).toEqual([
      expect.objectContaining({ replication_id: instance.replicas[0]!.id, replication_ip: instance.replicas[0]!.ip, replication_role: 'master', status: 'Active' }),
      expect.objectContaining({ replication_id: instance.replicas[1]!.id, replication_role: 'slave', status: 'Inactive' }),
    ]);
  });

  it('refuses the groups call for a single-node instance with DCS.4800', async () => {
    const sim = await start();
    const instance = sim.addInstance(TEST_PROJECT_ID, { name: 'single', cacheMode: 'single' });
    expect(instance.replicas).toHaveLength(1);
    const res = await call(sim, p(`/instance/${instance.id}/groups`), { at: T0 });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error_code: 'DCS.4800' });
  });

  it('reflects added and removed replicas in the groups answer', async () => {
    const sim = await start();
    const instance = sim.addInstance(TEST_PROJECT_ID, { name: 'ha' });
    const added = sim.addReplica(TEST_PROJECT_ID, instance.id, 'group-0');
    sim.removeReplica(TEST_PROJECT_ID, instance.id, instance.replicas[1]!.id);
    const res = await call(sim, p(`/instance/${instance.id}/groups`), { at: T0 });
    const body = (await res.json()) as { group_list: Array<{ replication_list: Array<{ replication_id: string }> }> };
    expect(body.group_list[0]!.replication_list.map((r) => r.replication_id)).toEqual([instance.replicas[0]!.id, added.id]);
  });

  it('lists instances with name, status and tag filters and the same offset rule', async () => {
    const sim = await start({ offsetBase: 1 });
    sim.addInstance(TEST_PROJECT_ID, { name: 'orders-cache', tags: { env: 'prod', team: 'orders' } });
    sim.addInstance(TEST_PROJECT_ID, { name: 'orders-dev', tags: { env: 'dev', team: 'orders' } });
    sim.addInstance(TEST_PROJECT_ID, { name: 'sessions', tags: { env: 'prod' }, status: 'FROZEN' });
    sim.addInstance('another-project', { name: 'orders-elsewhere' });

    const names = async (query: string): Promise<string[]> => {
      const res = await call(sim, p(`/instances?${query}`), { at: T0 });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { instance_num: number; instances: Array<{ name: string }> };
      return body.instances.map((i) => i.name);
    };
    expect(await names('offset=1&limit=1000')).toEqual(['orders-cache', 'orders-dev', 'sessions']);
    expect(await names('offset=2&limit=1')).toEqual(['orders-dev']);
    expect(await names('offset=1&limit=10&name=orders')).toEqual(['orders-cache', 'orders-dev']);
    expect(await names('offset=1&limit=10&status=FROZEN')).toEqual(['sessions']);
    expect(await names('offset=1&limit=10&tags=env=prod,team=orders')).toEqual(['orders-cache']);
    expect(await names(`offset=1&limit=10&tags=${encodeURIComponent('env=prod,team=orders')}`)).toEqual(['orders-cache']);
    expect(await names('offset=1&limit=10&tags=team')).toEqual(['orders-cache', 'orders-dev']);
    const repeated = await call(sim, p('/instances?offset=1&limit=10&tags=env=prod&tags=team=orders'), { at: T0 });
    expect(repeated.status).toBe(400);
    expect(await repeated.json()).toMatchObject({ error_code: 'DCS.4800' });
  });

  it('describes one instance including cache_mode and tags as key/value pairs', async () => {
    const sim = await start();
    const instance = sim.addInstance(TEST_PROJECT_ID, { name: 'rw', cacheMode: 'ha_rw_split', tags: { env: 'prod' }, engineVersion: '6.0' });
    const res = await call(sim, p(`/instances/${instance.id}`), { at: T0 });
    expect(await res.json()).toMatchObject({
      instance_id: instance.id,
      name: 'rw',
      engine: 'Redis',
      engine_version: '6.0',
      status: 'RUNNING',
      cache_mode: 'ha_rw_split',
      tags: [{ key: 'env', value: 'prod' }],
    });
  });
});
