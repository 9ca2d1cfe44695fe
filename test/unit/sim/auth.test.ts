import { afterEach, describe, expect, it } from 'vitest';
import { DcsSimulator, type SimOptions } from '../../../sim/index.js';
import { TEST_AK, TEST_AUTH_TOKEN, TEST_PROJECT_ID, TEST_SECURITY_TOKEN, TEST_SK } from '../../support/secrets.js';
import { call, clock, p } from './sim-client.js';

let sim: DcsSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(options: Partial<SimOptions> = {}) {
  const time = clock();
  sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK }, now: time.now, ...options });
  const instance = sim.addInstance(TEST_PROJECT_ID, { name: 'auth' });
  return { sim, time, path: p(`/instances/${instance.id}`) };
}

async function errorCode(res: Response): Promise<string> {
  return ((await res.json()) as { error_code: string }).error_code;
}

describe('authentication of API calls', () => {
  it('accepts a correctly signed call', async () => {
    const { sim, time, path } = await start();
    expect((await call(sim, path, { at: time.now() })).status).toBe(200);
  });

  it('answers a wrong secret key with 401 APIGW.0301 saying the signature did not match', async () => {
    const { sim, time, path } = await start();
    const res = await call(sim, path, { at: time.now(), sk: 'not-the-secret' });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error_code: string; error_msg: string; error_ext_msg: null };
    expect(body.error_code).toBe('APIGW.0301');
    expect(body.error_msg).toMatch(/signature/);
    expect(body.error_ext_msg).toBeNull();
    expect(JSON.stringify(body)).not.toContain(TEST_SK);
  });

  it('rejects an unknown access key, a missing Authorization and a tampered header', async () => {
    const { sim, time, path } = await start();
    expect((await call(sim, path, { at: time.now(), ak: 'SOMEONEELSE' })).status).toBe(401);
    expect((await fetch(new URL(path, sim.endpoint))).status).toBe(401);
    const tampered = await call(sim, path, { at: time.now(), headers: { 'X-Extra': 'a' }, tamper: (h) => void (h['X-Extra'] = 'b') });
    expect(tampered.status).toBe(401);
  });

  it('rejects a signature that does not cover X-Sdk-Date', async () => {
    const { sim, time, path } = await start();
    const res = await call(sim, path, {
      at: time.now(),
      tamper: (h) => void (h.Authorization = h.Authorization!.replace('SignedHeaders=host;x-project-id;x-sdk-date', 'SignedHeaders=host;x-project-id')),
    });
    expect(res.status).toBe(401);
  });

  it('allows 15 minutes of clock skew and no more, either way', async () => {
    const { sim, time, path } = await start();
    const minute = 60_000;
    expect((await call(sim, path, { at: time.now() - 15 * minute })).status).toBe(200);
    expect((await call(sim, path, { at: time.now() + 15 * minute })).status).toBe(200);
    const late = await call(sim, path, { at: time.now() - 16 * minute });
    expect(late.status).toBe(401);
    expect(((await late.json()) as { error_msg: string }).error_msg).toMatch(/15 minutes/);
    expect((await call(sim, path, { at: time.now() + 16 * minute })).status).toBe(401);
  });

  it('rejects an X-Project-Id that differs from the path’s project, or is missing', async () => {
    const { sim, time, path } = await start();
    expect((await call(sim, path, { at: time.now(), projectId: 'ffffffffffffffffffffffffffffffff' })).status).toBe(401);
    const res = await call(sim, path, {
      at: time.now(),
      tamper: (h) => {
        delete h['X-Project-Id'];
      },
    });
    expect(res.status).toBe(401);
  });

  it('locks the access key after five failures in a row, for five minutes of sim time', async () => {
    const { sim, time, path } = await start();
    for (let i = 0; i < 5; i++) {
      const res = await call(sim, path, { at: time.now(), sk: 'wrong' });
      expect(await errorCode(res)).toBe('APIGW.0301');
    }
    const locked = await call(sim, path, { at: time.now() });
    expect(locked.status).toBe(401);
    expect(await errorCode(locked)).toBe('APIGW.0307');

    time.advance(5 * 60_000 - 1);
    expect(await errorCode(await call(sim, path, { at: time.now() }))).toBe('APIGW.0307');
    time.advance(1);
    expect((await call(sim, path, { at: time.now() })).status).toBe(200);
  });

  it('does not lock after four failures when a success comes between', async () => {
    const { sim, time, path } = await start();
    for (let i = 0; i < 4; i++) await call(sim, path, { at: time.now(), sk: 'wrong' });
    expect((await call(sim, path, { at: time.now() })).status).toBe(200);
    for (let i = 0; i < 4; i++) await call(sim, path, { at: time.now(), sk: 'wrong' });
    expect((await call(sim, path, { at: time.now() })).status).toBe(200);
  });

  it('requires the matching X-Security-Token when the credentials are temporary', async () => {
    const { sim, time, path } = await start({ credentials: { ak: TEST_AK, sk: TEST_SK, securityToken: TEST_SECURITY_TOKEN } });
    expect((await call(sim, path, { at: time.now() })).status).toBe(401);
    expect((await call(sim, path, { at: time.now(), headers: { 'X-Security-Token': 'other' } })).status).toBe(401);
    expect((await call(sim, path, { at: time.now(), headers: { 'X-Security-Token': TEST_SECURITY_TOKEN } })).status).toBe(200);
  });

  it('accepts the configured IAM token in X-Auth-Token instead of a signature, and nothing else', async () => {
    const { sim, path } = await start({ authToken: TEST_AUTH_TOKEN });
    expect((await fetch(new URL(path, sim.endpoint), { headers: { 'X-Auth-Token': TEST_AUTH_TOKEN } })).status).toBe(200);
    expect((await fetch(new URL(path, sim.endpoint), { headers: { 'X-Auth-Token': 'forged' } })).status).toBe(401);
  });

  it('signs and verifies a POST with the exact body bytes', async () => {
    const { sim, time } = await start();
    const instance = sim.addInstance(TEST_PROJECT_ID, { name: 'body', cacheMode: 'single' });
    const collect = p(`/instances/${instance.id}/redislog?log_type=run&query_time=0`);
    expect((await call(sim, collect, { method: 'POST', at: time.now(), body: '{}' })).status).toBe(204);
    const wrongBody = await call(sim, collect, { method: 'POST', at: time.now(), body: '{}', sentBody: '{} ' });
    expect(wrongBody.status).toBe(401);
    const res = await fetch(new URL(collect, sim.endpoint), { method: 'POST' });
    expect(res.status).toBe(401);
  });
});
