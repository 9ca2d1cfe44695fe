import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DcsSimulator } from '../../../sim/index.js';
import { TEST_AK, TEST_PROJECT_ID, TEST_SK } from '../../support/secrets.js';
import { T0, call, p } from './sim-client.js';

/**
 * The field types of the API reference (docs: dcs-api.md), written down once as schemas. The
 * simulator stands in for DCS in every test, so an answer of the wrong type here would let the
 * archiver pass tests against a shape the real API never sends. Extra fields are allowed: the
 * API adds fields over time.
 */
const runlogItem = z.object({
  id: z.string(),
  file_name: z.string(),
  group_name: z.string(),
  replication_ip: z.string(),
  status: z.string(),
  time: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  backup_id: z.string().optional(),
});
const runlogListing = z.object({ total_num: z.int().nonnegative(), file_list: z.array(runlogItem) });
const link = z.object({ id: z.string(), backup_id: z.string().optional(), link: z.url() });
const replication = z.object({
  replication_id: z.string(),
  replication_ip: z.string(),
  replication_role: z.enum(['master', 'slave']),
  status: z.enum(['Active', 'Inactive']),
  node_id: z.string(),
  az_code: z.string(),
  is_replication: z.boolean(),
});
const groups = z.object({
  group_count: z.int().nonnegative(),
  group_list: z.array(z.object({ group_id: z.string(), group_name: z.string(), replication_list: z.array(replication) })),
});
const instance = z.object({
  instance_id: z.string(),
  name: z.string(),
  engine: z.string(),
  engine_version: z.string(),
  status: z.string(),
  spec_code: z.string(),
  tags: z.array(z.object({ key: z.string(), value: z.string() })),
});
const instanceDetails = instance.extend({ cache_mode: z.enum(['single', 'ha', 'ha_rw_split', 'proxy', 'cluster']) });
const instanceListing = z.object({ instance_num: z.int().nonnegative(), instances: z.array(instance) });

let sim: DcsSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function answer(path: string, method = 'GET'): Promise<unknown> {
  const res = await call(sim!, p(path), { at: T0, method });
  expect(res.status, path).toBe(200);
  return res.json();
}

/** The schema's problems with a body, as readable lines (empty when the body fits). */
function problems(schema: z.ZodType, body: unknown): string[] {
  const result = schema.safeParse(body);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('the simulator answers with the field types of the API reference', () => {
  it('in the instance listing, instance details, groups, run-log listing and link', async () => {
    sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK }, now: () => T0 });
    const cluster = sim.addInstance(TEST_PROJECT_ID, { name: 'orders', cacheMode: 'cluster', shards: 2, replicasPerShard: 2, tags: { env: 'prod' } });
    const replica = cluster.replicas[0]!;
    const log = sim.addLog(TEST_PROJECT_ID, cluster.id, { replicationIp: replica.ip, groupName: replica.groupName, date: '2024-04-15', size: 100 });

    expect(problems(instanceListing, await answer('/instances?offset=0&limit=10'))).toEqual([]);
    expect(problems(instanceDetails, await answer(`/instances/${cluster.id}`))).toEqual([]);
    const groupAnswer = await answer(`/instance/${cluster.id}/groups`);
    expect(problems(groups, groupAnswer)).toEqual([]);
    expect((groupAnswer as { group_count: number }).group_count).toBe(2);
    expect(problems(runlogListing, await answer(`/instances/${cluster.id}/redislog?log_type=run&offset=0&limit=10`))).toEqual([]);
    expect(problems(link, await answer(`/instances/${cluster.id}/redislog/${log.id}/links`, 'POST'))).toEqual([]);
  });
});
