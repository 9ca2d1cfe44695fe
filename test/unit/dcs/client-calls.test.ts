import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createDcsClient } from '../../../src/dcs/client.js';
import { ArchiveError, ConfigError } from '../../../src/errors.js';
import { TEST_AK, TEST_AUTH_TOKEN, TEST_PROJECT_ID, TEST_SECURITY_TOKEN, TEST_SK } from '../../support/secrets.js';
import { NOW, recordingDispatcher, startFixture, type Fixture } from '../../support/sim-fixture.js';

let fixture: Fixture | undefined;
const agents: Agent[] = [];
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
  await Promise.all(agents.splice(0).map((agent) => agent.close()));
});

function newAgent(): Agent {
  const agent = new Agent();
  agents.push(agent);
  return agent;
}

describe('collecting run logs', () => {
  it('sends everything in the query string and no body, signed over the empty body', async () => {
    fixture = await startFixture();
    const { id, replicas } = fixture.sim.addInstance(TEST_PROJECT_ID, { name: 'orders' });
    const replica = replicas[1]!;
    const recorder = recordingDispatcher(newAgent());

    await fixture.client({ dispatcher: recorder.dispatcher }).collectRunLogs(id, 3, replica.id);

    const [sent] = recorder.requests;
    expect(sent?.method).toBe('POST');
    expect(sent?.body).toBeNull();
    expect(sent?.path).toBe(`/v2/${TEST_PROJECT_ID}/instances/${id}/redislog?log_type=run&query_time=3&replication_id=${replica.id}`);
    const [received] = fixture.sim.requests;
    expect(received).toMatchObject({ op: 'collect', status: 204, query: { log_type: 'run', query_time: '3', replication_id: replica.id } });
    // The sim verified the signature against the bytes it received, so the empty-body hash was right.
    expect(received?.signedHeaders).toEqual(['content-type', 'host', 'x-project-id', 'x-sdk-date']);
    // Four new items: today and the three days before, for that replica.
    expect(fixture.sim.logs(TEST_PROJECT_ID, id).map((log) => log.replicationIp)).toEqual(Array(4).fill(replica.ip));
  });

  it('collects a single-node instance without a replication id', async () => {
    fixture = await startFixture();
    const { id } = fixture.sim.addInstance(TEST_PROJECT_ID, { name: 'solo', cacheMode: 'single' });
    await fixture.client().collectRunLogs(id, 0);
    expect(fixture.sim.requests[0]?.query).toEqual({ log_type: 'run', query_time: '0' });
    expect(fixture.sim.logs(TEST_PROJECT_ID, id)).toHaveLength(1);
  });
});

describe('download links', () => {
  it('returns the link of a log', async () => {
    fixture = await startFixture();
    const { id } = fixture.sim.addInstance(TEST_PROJECT_ID, { name: 'orders' });
    const log = fixture.sim.addLog(TEST_PROJECT_ID, id, { replicationIp: '10.0.0.1', groupName: 'group-0', date: '2025-03-09', size: 10 });
    const link = await fixture.client().getDownloadLink(id, log.id);
    expect(link).toBe(fixture.sim.issuedLinks[0]);
    expect(fixture.sim.requests[0]).toMatchObject({ op: 'link', method: 'POST', path: `/v2/${TEST_PROJECT_ID}/instances/${id}/redislog/${log.id}/links` });
  });

  it('refuses an http link unless allowHttp is set, without showing its query', async () => {
    fixture = await startFixture();
    const { id } = fixture.sim.addInstance(TEST_PROJECT_ID, { name: 'orders' });
    const log = fixture.sim.addLog(TEST_PROJECT_ID, id, { replicationIp: '10.0.0.1', groupName: 'group-0', date: '2025-03-09', size: 10 });
    // An https endpoint whose requests the dispatcher delivers to the (http) sim: the sim's links stay http.
    const recorder = recordingDispatcher(newAgent(), { origin: fixture.sim.endpoint });
    const client = fixture.client({ endpoint: 'https://dcs.cn-north-4.myhuaweicloud.com', allowHttp: false, dispatcher: recorder.dispatcher });

    const error = await client.getDownloadLink(id, log.id).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ArchiveError);
    expect(error).toMatchObject({ kind: 'file', reason: 'dcs.bad-link' });
    const link = new URL(fixture.sim.issuedLinks[0]!);
    expect((error as Error).message).toContain(`${link.origin}${link.pathname}`);
    expect((error as Error).message).toContain('dcs.allowHttp');
    expect((error as Error).message).not.toContain(link.search.slice(1));
    expect(fixture.sim.requests[0]?.status).toBe(200);
  });

  it('reports a link for a log that does not exist as a failure of that file', async () => {
    fixture = await startFixture();
    const { id } = fixture.sim.addInstance(TEST_PROJECT_ID, { name: 'orders' });
    const error = await fixture.client().getDownloadLink(id, 'no-such-log').catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'file', status: 404, errorCode: '111404022' });
    expect((error as Error).message).toContain('log no-such-log does not exist');
  });
});

describe('replicas and instances', () => {
  it('lists the replicas of every shard with role, group and state', async () => {
    fixture = await startFixture();
    const { id, replicas } = fixture.sim.addInstance(TEST_PROJECT_ID, { name: 'big', cacheMode: 'cluster', shards: 3, replicasPerShard: 2 });
    fixture.sim.setReplicaActive(TEST_PROJECT_ID, id, replicas[1]!.id, false);

    const listed = await fixture.client().listReplicas(id);

    expect(listed).toEqual(
      replicas.map((r, i) => ({ id: r.id, ip: r.ip, groupName: r.groupName, role: r.role, active: i !== 1 })),
    );
    expect(new Set(listed.map((r) => r.groupName))).toEqual(new Set(['group-0', 'group-1', 'group-2']));
    expect(fixture.sim.requests[0]?.path).toBe(`/v2/${TEST_PROJECT_ID}/instance/${id}/groups`);
  });

  it('answers no replicas for a single-node instance, which has no groups call', async () => {
    fixture = await startFixture();
    const { id } = fixture.sim.addInstance(TEST_PROJECT_ID, { name: 'solo', cacheMode: 'single' });
    expect(await fixture.client().listReplicas(id)).toEqual([]);
    expect(fixture.sim.requests.map((r) => [r.op, r.status])).toEqual([
      ['groups', 400],
      ['instance', 200],
    ]);
  });

  it('describes one instance', async () => {
    fixture = await startFixture();
    const { id } = fixture.sim.addInstance(TEST_PROJECT_ID, { name: 'orders', cacheMode: 'ha_rw_split', tags: { env: 'prod' }, engineVersion: '6.0' });
    expect(await fixture.client().getInstance(id)).toEqual({
      id,
      name: 'orders',
      status: 'RUNNING',
      cacheMode: 'ha_rw_split',
      engine: 'Redis',
      engineVersion: '6.0',
      tags: { env: 'prod' },
    });
  });

  it('keeps an id containing a slash inside its one path segment', async () => {
    fixture = await startFixture();
    fixture.sim.addInstance(TEST_PROJECT_ID, { id: 'odd/../id', name: 'odd' });
    const info = await fixture.client().getInstance('odd/../id');
    expect(info.id).toBe('odd/../id');
    expect(fixture.sim.requests[0]?.path).toBe(`/v2/${TEST_PROJECT_ID}/instances/odd%2F..%2Fid`);
  });

  it('refuses a dot segment as an id rather than let it change the path', async () => {
    fixture = await startFixture();
    const error = await fixture.client().getInstance('..').catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'file', reason: 'dcs.invalid-id' });
    expect(fixture.sim.requests).toEqual([]);
  });

  it('names a missing instance and its project', async () => {
    fixture = await startFixture();
    const error = await fixture.client().getInstance('gone').catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'file', status: 404, errorCode: 'DCS.3022' });
    expect((error as Error).message).toContain(`instance gone does not exist in project ${TEST_PROJECT_ID}`);
  });
});

describe('authentication', () => {
  it('signs host, project, date and the security token of temporary credentials', async () => {
    fixture = await startFixture({ credentials: { ak: TEST_AK, sk: TEST_SK, securityToken: TEST_SECURITY_TOKEN } });
    const { id } = fixture.sim.addInstance(TEST_PROJECT_ID, { name: 'orders' });
    const client = fixture.client({ auth: { kind: 'aksk', accessKey: TEST_AK, secretKey: TEST_SK, securityToken: TEST_SECURITY_TOKEN } });
    await client.listRunLogs(id);
    expect(fixture.sim.requests[0]).toMatchObject({ status: 204, authHeaders: true, signedHeaders: ['host', 'x-project-id', 'x-sdk-date', 'x-security-token'] });
  });

  it('fails without the security token that temporary credentials need, once', async () => {
    fixture = await startFixture({ credentials: { ak: TEST_AK, sk: TEST_SK, securityToken: TEST_SECURITY_TOKEN } });
    const { id } = fixture.sim.addInstance(TEST_PROJECT_ID, { name: 'orders' });
    const error = await fixture.client().listRunLogs(id).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'fatal', status: 401 });
    expect(fixture.sim.requests).toHaveLength(1);
  });

  it('sends an IAM token instead of a signature in token mode', async () => {
    fixture = await startFixture();
    const { id } = fixture.sim.addInstance(TEST_PROJECT_ID, { name: 'orders' });
    const recorder = recordingDispatcher(newAgent());
    await fixture.client({ auth: { kind: 'token', token: TEST_AUTH_TOKEN }, dispatcher: recorder.dispatcher }).listRunLogs(id);
    expect(fixture.sim.requests[0]).toMatchObject({ status: 204, authHeaders: true });
    expect(fixture.sim.requests[0]?.signedHeaders).toBeUndefined();
    expect(recorder.requests[0]?.headers['x-auth-token']).toBe(TEST_AUTH_TOKEN);
    expect(recorder.requests[0]?.headers['authorization']).toBeUndefined();
  });

  it('signs with the clock it is given, so a skewed clock is refused by the server', async () => {
    fixture = await startFixture();
    const { id } = fixture.sim.addInstance(TEST_PROJECT_ID, { name: 'orders' });
    const skewed = new Date(NOW.getTime() + 16 * 60 * 1000);
    const error = await fixture.client({ now: () => skewed }).listRunLogs(id).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'fatal', status: 401 });
    expect((error as Error).message).toContain('15 minutes of skew');
  });
});

describe('configuration', () => {
  const base = { projectId: TEST_PROJECT_ID, auth: { kind: 'aksk' as const, accessKey: TEST_AK, secretKey: TEST_SK } };

  it('refuses an http endpoint unless allowHttp is set', () => {
    expect(() => createDcsClient({ ...base, endpoint: 'http://127.0.0.1:1' })).toThrow(ConfigError);
    expect(() => createDcsClient({ ...base, endpoint: 'http://127.0.0.1:1' })).toThrow(/dcs.allowHttp/);
    expect(() => createDcsClient({ ...base, endpoint: 'http://127.0.0.1:1', allowHttp: true })).not.toThrow();
  });

  it('names the key of a bad endpoint, page size or credential without echoing the credential', () => {
    expect(() => createDcsClient({ ...base, endpoint: 'dcs.example' })).toThrow(/config dcs.endpoint/);
    expect(() => createDcsClient({ ...base, endpoint: 'https://user:pw@dcs.example' })).toThrow(/user info/);
    expect(() => createDcsClient({ ...base, endpoint: 'https://dcs.example', pageSize: 5000 })).toThrow(/config dcs.pageSize/);
    const error = (() => {
      try {
        createDcsClient({ ...base, endpoint: 'https://dcs.example', auth: { kind: 'aksk', accessKey: TEST_AK, secretKey: `${TEST_SK}\n` } });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error?.message).toMatch(/HUAWEICLOUD_SDK_SK/);
    expect(error?.message).not.toContain(TEST_SK);
  });
});
