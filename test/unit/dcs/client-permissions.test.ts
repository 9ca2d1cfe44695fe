import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { PERMISSIONS as BY_OPERATION } from '../../../src/dcs/failures.js';
import { DcsApiError } from '../../../src/errors.js';
import type { DcsApi } from '../../../src/dcs/types.js';
import type { SimOp } from '../../../sim/types.js';
import { TEST_PROJECT_ID } from '../../support/secrets.js';
import { startFixture, type Fixture } from '../../support/sim-fixture.js';

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const PERMISSIONS = ['dcs:redisLog:get', 'dcs:instance:get', 'dcs:instance:list'];

/** Each call the client makes, the simulator's name for it, and the permission the API reference says it needs. */
const CALLS: Array<{ call: string; op: SimOp; permission: string; run: (dcs: DcsApi, instanceId: string, logId: string) => Promise<unknown> }> = [
  { call: 'listing run logs', op: 'list', permission: 'dcs:redisLog:get', run: (dcs, id) => dcs.listRunLogs(id) },
  { call: 'triggering collection', op: 'collect', permission: 'dcs:redisLog:get', run: (dcs, id) => dcs.collectRunLogs(id, 1, 'r-1') },
  { call: 'obtaining a download link', op: 'link', permission: 'dcs:redisLog:get', run: (dcs, id, logId) => dcs.getDownloadLink(id, logId) },
  { call: 'listing replicas (ListGroupReplicationInfo)', op: 'groups', permission: 'dcs:instance:get', run: (dcs, id) => dcs.listReplicas(id) },
  { call: 'looking up an instance', op: 'instance', permission: 'dcs:instance:get', run: (dcs, id) => dcs.getInstance(id) },
  { call: 'discovering instances (ListInstances)', op: 'instances', permission: 'dcs:instance:list', run: (dcs) => dcs.listInstances({ status: 'RUNNING' }) },
];

describe('a 403 from DCS', () => {
  for (const { call, op, permission, run } of CALLS) {
    it(`names ${permission} when ${call} is refused, as a fatal failure sent once`, async () => {
      fixture = await startFixture();
      const { id } = fixture.sim.addInstance(TEST_PROJECT_ID, { name: 'orders' });
      const log = fixture.sim.addLog(TEST_PROJECT_ID, id, { replicationIp: '10.0.0.1', groupName: 'group-0', date: '2025-03-09', size: 10 });
      fixture.sim.injectFault({ op, kind: 'http-403' });

      const error = await run(fixture.client(), id, log.id).then(
        () => undefined,
        (e: unknown) => e,
      );

      expect(error).toBeInstanceOf(DcsApiError);
      expect(error).toMatchObject({ kind: 'fatal', status: 403, errorCode: 'DCS.2003' });
      const message = (error as Error).message;
      expect(message).toContain(`the credentials lack ${permission} in project ${TEST_PROJECT_ID}`);
      for (const other of PERMISSIONS.filter((p) => p !== permission)) expect(message).not.toContain(other);
      expect(fixture.sim.requests.map((r) => [r.op, r.status])).toEqual([[op, 403]]);
    });
  }
});

describe('the permissions the README lists', () => {
  it('are every permission a DCS call needs, each in the Permissions table', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('### Permissions'), readme.indexOf('\n## ', readme.indexOf('### Permissions')));
    expect(section.length).toBeGreaterThan(100);
    expect([...new Set(Object.values(BY_OPERATION))].sort()).toEqual([...PERMISSIONS].sort());
    for (const permission of PERMISSIONS) expect(section).toContain(`\`${permission}\``);
    for (const action of ['s3:ListBucket', 's3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListBucketMultipartUploads']) expect(section).toContain(`\`${action}\``);
  });
});
