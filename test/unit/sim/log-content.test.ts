import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DcsSimulator } from '../../../sim/index.js';
import { TEST_AK, TEST_LINK_SECRET, TEST_PROJECT_ID, TEST_SK } from '../../support/secrets.js';
import { call, clock, p, readAll } from './sim-client.js';

let sim: DcsSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const CAPTURED = Buffer.from(
  [
    '7116:C 02 Dec 2026 07:37:43.029 # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo',
    '7116:M 02 Dec 2026 07:37:43.522 * Background saving started by pid 7137',
    '7116:M 02 Dec 2026 07:37:43.551 * Background saving terminated with success',
    '',
  ].join('\n'),
);

describe('a log given its content', () => {
  it('serves exactly those bytes, whole and by Range, with their length and SHA-256', async () => {
    const time = clock();
    sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK }, linkSecret: TEST_LINK_SECRET, now: time.now });
    const instance = sim.addInstance(TEST_PROJECT_ID, { name: 'real' });
    const log = sim.addLog(TEST_PROJECT_ID, instance.id, { replicationIp: instance.replicas[0]!.ip, groupName: 'group-0', date: '2026-12-02', content: CAPTURED });
    expect(log.size).toBe(CAPTURED.length);
    expect(await sim.sha256(log.id)).toBe(createHash('sha256').update(CAPTURED).digest('hex'));
    expect(await readAll(sim.content(log.id))).toEqual(CAPTURED);

    const res = await call(sim, p(`/instances/${instance.id}/redislog/${log.id}/links`), { method: 'POST', at: time.now() });
    const { link } = (await res.json()) as { link: string };
    const whole = await fetch(link);
    expect(whole.headers.get('content-length')).toBe(String(CAPTURED.length));
    expect(Buffer.from(await whole.arrayBuffer())).toEqual(CAPTURED);
    const part = await fetch(link, { headers: { Range: 'bytes=5-20' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(CAPTURED.subarray(5, 21));
  });

  it('refuses a size that differs from the content', async () => {
    sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK } });
    const instance = sim.addInstance(TEST_PROJECT_ID, { name: 'real' });
    expect(() => sim!.addLog(TEST_PROJECT_ID, instance.id, { replicationIp: instance.replicas[0]!.ip, groupName: 'group-0', date: '2026-12-02', content: CAPTURED, size: 3 })).toThrow(/differs from its content/);
    expect(() => sim!.addLog(TEST_PROJECT_ID, instance.id, { replicationIp: instance.replicas[0]!.ip, groupName: 'group-0', date: '2026-12-02' })).toThrow(/size must be/);
  });
});
