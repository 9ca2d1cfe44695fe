import { inspect } from 'node:util';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { DcsApi } from '../../src/dcs/types.js';
import { ALL_TEST_SECRETS, TEST_AK, TEST_AUTH_TOKEN, TEST_PROJECT_ID, TEST_SECURITY_TOKEN, TEST_SK } from '../support/secrets.js';
import { recordingDispatcher, startFixture, type Fixture } from '../support/sim-fixture.js';

let fixture: Fixture | undefined;
const agents: Agent[] = [];
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
  await Promise.all(agents.splice(0).map((agent) => agent.close()));
});

/** Every way a secret could travel with an error: its text, stack, JSON and a full inspection (cause included). */
function renderings(error: unknown): string[] {
  const e = error as Error;
  return [String(e), e.stack ?? '', JSON.stringify(e), inspect(e, { depth: 6 })];
}

function expectNoSecret(texts: string[], links: string[]): void {
  for (const text of texts) {
    for (const secret of ALL_TEST_SECRETS) expect(text).not.toContain(secret);
    for (const link of links) expect(text).not.toContain(new URL(link).search.slice(1));
    expect(text).not.toMatch(/[?&](Signature|AWSAccessKeyId|Expires)=/);
    expect(text).not.toContain('SDK-HMAC-SHA256 Access=');
  }
}

describe('secrets in errors and events', () => {
  it('keeps AK, SK, security token, IAM token and links out of every error and event', async () => {
    fixture = await startFixture({ credentials: { ak: TEST_AK, sk: TEST_SK, securityToken: TEST_SECURITY_TOKEN } });
    const { sim } = fixture;
    const { id, replicas } = sim.addInstance(TEST_PROJECT_ID, { name: 'orders' });
    const log = sim.addLog(TEST_PROJECT_ID, id, { replicationIp: '10.0.0.1', groupName: 'group-0', date: '2025-03-09', size: 10 });
    const retry = { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 };
    const auth = { kind: 'aksk' as const, accessKey: TEST_AK, secretKey: TEST_SK, securityToken: TEST_SECURITY_TOKEN };
    const client = fixture.client({ auth, retry, timeouts: { headersMs: 200 } });
    const agent = new Agent();
    agents.push(agent);
    const httpsClient = fixture.client({
      auth,
      endpoint: 'https://dcs.cn-north-4.myhuaweicloud.com',
      allowHttp: false,
      dispatcher: recordingDispatcher(agent, { origin: sim.endpoint }).dispatcher,
    });

    const scenarios: Array<[string, (c: DcsApi) => Promise<unknown>, (() => void) | undefined, DcsApi?]> = [
      ['401', (c) => c.listRunLogs(id), () => sim.injectFault({ op: 'list', kind: 'http-401', times: 1 })],
      ['403', (c) => c.collectRunLogs(id, 0, replicas[0]!.id), () => sim.injectFault({ op: 'collect', kind: 'http-403', times: 1 })],
      ['404', (c) => c.getInstance('gone'), undefined],
      ['429', (c) => c.listRunLogs(id), () => sim.injectFault({ op: 'list', kind: 'http-429', times: 2, retryAfterSeconds: 1 })],
      ['500', (c) => c.listReplicas(id), () => sim.injectFault({ op: 'groups', kind: 'http-500', times: 2 })],
      ['malformed', (c) => c.getDownloadLink(id, log.id), () => sim.injectFault({ op: 'link', kind: 'malformed-json', times: 1 })],
      ['huge', (c) => c.listRunLogs(id), () => sim.injectFault({ op: 'list', kind: 'huge-error-body', times: 2 })],
      ['reset', (c) => c.listInstances(), () => sim.injectFault({ op: 'instances', kind: 'reset', times: 2 })],
      ['hang', (c) => c.getInstance(id), () => sim.injectFault({ op: 'instance', kind: 'hang', times: 2 })],
      ['bad link', (c) => c.getDownloadLink(id, log.id), undefined, httpsClient],
      ['bad id', (c) => c.getDownloadLink(id, '.'), undefined],
    ];

    const errors: unknown[] = [];
    for (const [name, run, fault, which] of scenarios) {
      sim.clearFaults();
      fault?.();
      const error = await run(which ?? client).then(
        () => new Error(`scenario ${name} did not fail`),
        (e: unknown) => e,
      );
      expect(error, name).toBeInstanceOf(Error);
      expect((error as Error).message, name).not.toMatch(/did not fail/);
      errors.push(error);
    }

    expect(sim.issuedLinks.length).toBeGreaterThan(0);
    expectNoSecret(errors.flatMap(renderings), sim.issuedLinks);
    expect(fixture.events.length).toBeGreaterThan(0);
    expectNoSecret(fixture.events.map((event) => JSON.stringify(event)), sim.issuedLinks);
  });

  it('keeps a refused IAM token out of the error', async () => {
    fixture = await startFixture({ authToken: 'a-different-token' });
    const { id } = fixture.sim.addInstance(TEST_PROJECT_ID, { name: 'orders' });
    const error = await fixture
      .client({ auth: { kind: 'token', token: TEST_AUTH_TOKEN } })
      .listRunLogs(id)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'fatal', status: 401 });
    expect((error as Error).message).toContain('DCS_AUTH_TOKEN');
    expectNoSecret(renderings(error), []);
  });
});
