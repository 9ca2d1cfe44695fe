import { afterEach, describe, expect, it } from 'vitest';
import type { DcsSimulator } from '../../../sim/index.js';
import { TEST_PROJECT_ID } from '../../support/secrets.js';
import { RETAINED_DAYS, startFixture, type Fixture } from '../../support/sim-fixture.js';

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

/** `count` logs on one instance, spread over retained days and made-up replicas; returns their ids in listing order. */
function addLogs(sim: DcsSimulator, instanceId: string, count: number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const log = sim.addLog(TEST_PROJECT_ID, instanceId, {
      replicationIp: `10.1.${Math.floor(i / 7) >> 8}.${Math.floor(i / 7) & 255}`,
      groupName: 'group-0',
      date: RETAINED_DAYS[i % RETAINED_DAYS.length] ?? '2025-03-10',
      size: 100,
    });
    ids.push(log.id);
  }
  return ids;
}

const listCalls = (sim: DcsSimulator) => sim.requests.filter((r) => r.op === 'list');

describe('listing run logs', () => {
  it('lists 2,500 logs from a server counting offsets from 0 in three calls, none missed or repeated', async () => {
    fixture = await startFixture({ offsetBase: 0 });
    const { id } = fixture.sim.addInstance(TEST_PROJECT_ID, { name: 'orders' });
    const ids = addLogs(fixture.sim, id, 2500);

    const listing = await fixture.client().listRunLogs(id);

    expect(listing.logs.map((log) => log.id)).toEqual(ids);
    expect(listing.malformed).toEqual([]);
    expect(listing.pages).toBe(3);
    expect(listing.incomplete).toBeUndefined();
    expect(listCalls(fixture.sim).map((r) => [r.query['offset'], r.query['limit'], r.query['log_type']])).toEqual([
      ['0', '1000', 'run'],
      ['1000', '1000', 'run'],
      ['2000', '1000', 'run'],
    ]);
  });

  it('lists 2,500 logs from a server counting offsets from 1, after its refusal of offset 0, none missed or repeated', async () => {
    fixture = await startFixture({ offsetBase: 1 });
    const { id } = fixture.sim.addInstance(TEST_PROJECT_ID, { name: 'orders' });
    const ids = addLogs(fixture.sim, id, 2500);

    const listing = await fixture.client().listRunLogs(id);

    expect(listing.logs.map((log) => log.id)).toEqual(ids);
    expect(listing.pages).toBe(3);
    expect(listCalls(fixture.sim).map((r) => [r.query['offset'], r.status])).toEqual([
      ['0', 400],
      ['1', 200],
      ['1001', 200],
      ['2001', 200],
    ]);
    expect(fixture.events).toMatchObject([{ type: 'dcs.listing-offset-base', op: 'list-run-logs', instanceId: id, base: 1 }]);
  });

  it('lists an instance of a few logs in one call', async () => {
    fixture = await startFixture();
    const { id } = fixture.sim.addInstance(TEST_PROJECT_ID, { name: 'orders' });
    const ids = addLogs(fixture.sim, id, 12);
    const listing = await fixture.client().listRunLogs(id);
    expect(listing.logs.map((log) => log.id)).toEqual(ids);
    expect(listCalls(fixture.sim)).toHaveLength(1);
  });

  it('answers an empty listing after one call when the server says 204', async () => {
    fixture = await startFixture();
    const { id } = fixture.sim.addInstance(TEST_PROJECT_ID, { name: 'quiet' });
    const listing = await fixture.client().listRunLogs(id);
    expect(listing).toEqual({ logs: [], malformed: [], pages: 1 });
    expect(listCalls(fixture.sim).map((r) => r.status)).toEqual([204]);
  });

  it('maps every field of a run log, and keeps one that has no backup_id', async () => {
    fixture = await startFixture();
    const { id } = fixture.sim.addInstance(TEST_PROJECT_ID, { name: 'orders' });
    const log = fixture.sim.addLog(TEST_PROJECT_ID, id, {
      replicationIp: '192.168.0.142',
      groupName: 'group-0',
      date: '2025-03-09',
      size: 10,
      status: 'failed',
      backupId: null,
    });
    const listing = await fixture.client().listRunLogs(id);
    expect(listing.logs).toEqual([
      { id: log.id, fileName: 'redis_192.168.0.142_2025-03-09.log', groupName: 'group-0', replicationIp: '192.168.0.142', status: 'failed', date: '2025-03-09' },
    ]);
  });

  it('reports malformed items with a reason and a short excerpt and returns the rest in order', async () => {
    fixture = await startFixture();
    const { id } = fixture.sim.addInstance(TEST_PROJECT_ID, { name: 'orders' });
    const [first] = addLogs(fixture.sim, id, 1);
    fixture.sim.addRawItem(TEST_PROJECT_ID, id, { id: 'no-name', group_name: 'group-0', replication_ip: '10.0.0.1', status: 'succeed', time: '2025-03-09' });
    fixture.sim.addRawItem(TEST_PROJECT_ID, id, {
      id: 'bad-day',
      file_name: 'redis_x.log',
      group_name: 'group-0',
      replication_ip: '10.0.0.1',
      status: 'succeed',
      time: '09/03/2025',
    });
    fixture.sim.addRawItem(TEST_PROJECT_ID, id, 'just a string');
    fixture.sim.addRawItem(TEST_PROJECT_ID, id, { id: 42, padding: 'p'.repeat(5000) });
    const [last] = addLogs(fixture.sim, id, 1);

    const listing = await fixture.client().listRunLogs(id);

    expect(listing.logs.map((log) => log.id)).toEqual([first, last]);
    expect(listing.malformed.map((m) => m.problem)).toEqual([
      'missing or not a string: file_name',
      'time is not a yyyy-MM-dd day',
      'the item is not an object',
      'missing or not a string: id, file_name, group_name, replication_ip, status, time',
    ]);
    expect(listing.malformed[0]?.raw).toContain('"id":"no-name"');
    for (const item of listing.malformed) expect(item.raw.length).toBeLessThanOrEqual(200);
    expect(fixture.events).toMatchObject([{ type: 'dcs.malformed-items', op: 'list-run-logs', instanceId: id, count: 4 }]);
  });

  it('cuts a listing at maxPages and reports it in the listing and as an event', async () => {
    fixture = await startFixture();
    const { id } = fixture.sim.addInstance(TEST_PROJECT_ID, { name: 'orders' });
    const ids = addLogs(fixture.sim, id, 35);

    const listing = await fixture.client({ pageSize: 10, maxPages: 2 }).listRunLogs(id);

    expect(listing.logs.map((log) => log.id)).toEqual(ids.slice(0, 20));
    expect(listing.pages).toBe(2);
    expect(listing.incomplete?.reason).toBe('max-pages');
    expect(listCalls(fixture.sim)).toHaveLength(2);
    expect(fixture.events).toMatchObject([{ type: 'dcs.listing-incomplete', reason: 'max-pages', pages: 2, seen: 20, total: 35 }]);
  });

  it('pages small pages to the end on a 1-based server', async () => {
    fixture = await startFixture({ offsetBase: 1 });
    const { id } = fixture.sim.addInstance(TEST_PROJECT_ID, { name: 'orders' });
    const ids = addLogs(fixture.sim, id, 25);
    const listing = await fixture.client({ pageSize: 10 }).listRunLogs(id);
    expect(listing.logs.map((log) => log.id)).toEqual(ids);
    expect(listCalls(fixture.sim).map((r) => r.query['offset'])).toEqual(['0', '1', '11', '21']);
  });
});

describe('listing instances', () => {
  it('lists every instance across pages on a 1-based server, filtered by status and tags', async () => {
    fixture = await startFixture({ offsetBase: 1 });
    const wanted: string[] = [];
    for (let i = 0; i < 25; i++) {
      const tags: Record<string, string> = i % 2 === 0 ? { env: 'prod', team: 'a' } : { env: 'dev' };
      const { id } = fixture.sim.addInstance(TEST_PROJECT_ID, { name: `cache-${i}`, tags });
      if (i % 2 === 0) wanted.push(id);
    }
    const instances = await fixture.client({ pageSize: 5 }).listInstances({ status: 'RUNNING', tags: { env: 'prod', team: 'a' } });
    expect(instances.map((instance) => instance.id)).toEqual(wanted);
    expect(instances[0]).toMatchObject({ name: 'cache-0', status: 'RUNNING', cacheMode: 'ha', engine: 'Redis', tags: { env: 'prod', team: 'a' } });
    const calls = fixture.sim.requests.filter((r) => r.op === 'instances');
    // One tags parameter with the pairs joined by commas (the simulator refuses a repeated one).
    expect(calls[1]?.query).toMatchObject({ offset: '1', limit: '5', status: 'RUNNING', tags: 'env=prod,team=a' });
  });

  it('sends the name filter and returns what matches', async () => {
    fixture = await startFixture();
    fixture.sim.addInstance(TEST_PROJECT_ID, { name: 'orders-cache' });
    fixture.sim.addInstance(TEST_PROJECT_ID, { name: 'sessions' });
    const instances = await fixture.client().listInstances({ name: 'orders' });
    expect(instances.map((instance) => instance.name)).toEqual(['orders-cache']);
    expect(fixture.sim.requests[0]?.query['name']).toBe('orders');
  });
});
