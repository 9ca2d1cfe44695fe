import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { AbortedError, ArchiveError, DcsApiError } from '../../src/errors.js';
import { TEST_PROJECT_ID } from '../support/secrets.js';
import { recordingDispatcher, startFixture, type Fixture } from '../support/sim-fixture.js';

let fixture: Fixture | undefined;
const agents: Agent[] = [];
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
  await Promise.all(agents.splice(0).map((agent) => agent.close()));
});

async function withInstance(): Promise<{ fixture: Fixture; id: string }> {
  fixture = await startFixture();
  const { id } = fixture.sim.addInstance(TEST_PROJECT_ID, { name: 'orders' });
  fixture.sim.addLog(TEST_PROJECT_ID, id, { replicationIp: '10.0.0.1', groupName: 'group-0', date: '2025-03-09', size: 10 });
  return { fixture, id };
}

const caught = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

describe('retrying', () => {
  it('retries a throttled call after the pause Retry-After asks for', async () => {
    const { fixture, id } = await withInstance();
    fixture.sim.injectFault({ op: 'list', kind: 'http-429', times: 2, retryAfterSeconds: 3 });

    const listing = await fixture.client().listRunLogs(id);

    expect(listing.logs).toHaveLength(1);
    expect(fixture.delays).toEqual([3000, 3000]);
    expect(fixture.sim.requests.map((r) => r.status)).toEqual([429, 429, 200]);
    expect(fixture.events).toMatchObject([
      { type: 'dcs.retry', op: 'list-run-logs', instanceId: id, attempt: 1, delayMs: 3000, reason: 'dcs.APIGW.0308' },
      { type: 'dcs.retry', attempt: 2, delayMs: 3000 },
    ]);
  });

  it('retries while a job for the instance is still running', async () => {
    fixture = await startFixture();
    const target = fixture.sim.addInstance(TEST_PROJECT_ID, { name: 'target' });
    fixture.sim.injectFault({ op: 'collect', kind: 'job-running', times: 1 });

    await fixture.client().collectRunLogs(target.id, 0, target.replicas[0]!.id);

    expect(fixture.sim.requests.map((r) => r.status)).toEqual([400, 204]);
    expect(fixture.events).toMatchObject([{ type: 'dcs.retry', op: 'collect-run-logs', instanceId: target.id, reason: 'dcs.DCS.4017' }]);
  });

  it('gives up on a server error after the policy’s attempts and throws it as retryable', async () => {
    const { fixture, id } = await withInstance();
    fixture.sim.injectFault({ op: 'list', kind: 'http-500' });

    const error = await caught(fixture.client({ retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 1000 } }).listRunLogs(id));

    expect(error).toBeInstanceOf(DcsApiError);
    expect(error).toMatchObject({ kind: 'retryable', status: 500, errorCode: '111500000' });
    expect(fixture.sim.requests).toHaveLength(3);
    expect(fixture.delays).toHaveLength(2);
    const message = (error as Error).message;
    expect(message).toMatch(new RegExp(`^DCS GET /v2/${TEST_PROJECT_ID}/instances/${id}/redislog answered 500 111500000 \\(request id [0-9a-f]+\\): Internal service error\\.$`));
  });

  it('retries a connection reset and a server that never answers', async () => {
    const { fixture, id } = await withInstance();
    fixture.sim.injectFault({ op: 'list', kind: 'reset', times: 1 });
    fixture.sim.injectFault({ op: 'list', kind: 'hang', times: 1 });

    const listing = await fixture.client({ timeouts: { headersMs: 300 } }).listRunLogs(id);

    expect(listing.logs).toHaveLength(1);
    expect(fixture.events.map((e) => (e.type === 'dcs.retry' ? e.reason : e.type))).toEqual(['dcs.network', 'dcs.timeout']);
  });

  it('stops waiting for an answer when the signal aborts', async () => {
    const { fixture, id } = await withInstance();
    fixture.sim.injectFault({ op: 'list', kind: 'hang' });
    const controller = new AbortController();
    const pending = fixture.client().listRunLogs(id, controller.signal);
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
    expect(fixture.sim.requests).toHaveLength(1);
  });

  it('runs beforeRequest before every attempt', async () => {
    const { fixture, id } = await withInstance();
    fixture.sim.injectFault({ op: 'list', kind: 'http-503', times: 1 });
    let calls = 0;
    await fixture.client({ beforeRequest: async () => void calls++ }).listRunLogs(id);
    expect(calls).toBe(2);
  });
});

describe('failing without retrying', () => {
  it('makes 401 fatal after exactly one request, and names the next step', async () => {
    const { fixture, id } = await withInstance();
    fixture.sim.injectFault({ op: 'list', kind: 'http-401' });

    const error = await caught(fixture.client().listRunLogs(id));

    expect(error).toMatchObject({ kind: 'fatal', status: 401, errorCode: 'APIGW.0301' });
    expect(fixture.sim.requests).toHaveLength(1);
    expect((error as Error).message).toContain("check HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK (and HUAWEICLOUD_SDK_SECURITY_TOKEN for temporary credentials) and the machine's clock");
  });

  it('makes 403 fatal after exactly one request, and names the permission', async () => {
    const { fixture, id } = await withInstance();
    fixture.sim.injectFault({ op: 'link', kind: 'http-403' });
    const [log] = fixture.sim.logs(TEST_PROJECT_ID, id);

    const error = await caught(fixture.client().getDownloadLink(id, log!.id));

    expect(error).toMatchObject({ kind: 'fatal', status: 403 });
    expect((error as Error).message).toContain('the credentials lack dcs:redisLog:get');
    expect(fixture.sim.requests).toHaveLength(1);
  });

  it('reports a body that is not JSON as a malformed response of that instance, without retrying', async () => {
    const { fixture, id } = await withInstance();
    fixture.sim.injectFault({ op: 'list', kind: 'malformed-json' });

    const error = await caught(fixture.client().listRunLogs(id));

    expect(error).toBeInstanceOf(ArchiveError);
    expect(error).toMatchObject({ kind: 'file', reason: 'dcs.malformed-response' });
    expect((error as Error).message).toMatch(/answered 200 \(request id [0-9a-f]+\) with a body that is not the expected JSON: not JSON$/);
    expect(fixture.sim.requests).toHaveLength(1);
  });

  it('reads no more than 64 KiB of a 5 MiB error body', async () => {
    const { fixture, id } = await withInstance();
    fixture.sim.injectFault({ op: 'list', kind: 'huge-error-body' });
    const agent = new Agent();
    agents.push(agent);
    const recorder = recordingDispatcher(agent);

    const error = await caught(fixture.client({ dispatcher: recorder.dispatcher, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } }).listRunLogs(id));

    expect(error).toMatchObject({ kind: 'retryable', status: 500, errorCode: '111500000' });
    expect((error as Error).message.length).toBeLessThan(600);
    // Socket buffers may hold a little more than was read; far less than the 5 MiB sent.
    expect(recorder.received.bytes).toBeLessThan(1024 * 1024);
  });
});
