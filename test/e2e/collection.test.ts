import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createDcsClient } from '../../src/dcs/client.js';
import type { ArchiverEvent } from '../../src/events.js';
import { addDays } from '../../src/calendar.js';
import type { RunReport } from '../../src/records/run-report.js';
import { runOnce } from '../../src/pass/run-once.js';
import { DcsSimulator, type SimInstance } from '../../sim/index.js';
import { buildClients } from '../../src/commands/clients.js';
import { TEST_AK, TEST_PROJECT_ID, TEST_SK } from '../support/secrets.js';

const DAY_MS = 86_400_000;
const DAILY = 40_000;

/**
 * Whole passes in process, on one controllable clock shared by the simulator (collection
 * delays, retention, signature window) and the archiver (today, waiting): days of downtime
 * take no time. Everything else is real: HTTP, signatures, the directory store.
 */
describe('collection, coverage and catching up', () => {
  let clock: number;
  let sim: DcsSimulator;
  let root: string;
  let events: ArchiverEvent[];
  let fleet: { cluster: SimInstance; ha: SimInstance; single: SimInstance };

  const now = () => new Date(clock);
  const today = () => new Date(clock).toISOString().slice(0, 10);

  beforeEach(async () => {
    clock = Date.parse('2026-11-20T03:17:00Z');
    sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK }, now: () => clock, collectDelayMs: 20_000 });
    fleet = {
      cluster: sim.addInstance(TEST_PROJECT_ID, { id: 'cluster-1', name: 'orders', cacheMode: 'cluster', shards: 3, replicasPerShard: 2, dailyBytes: DAILY }),
      ha: sim.addInstance(TEST_PROJECT_ID, { id: 'ha-1', name: 'sessions', cacheMode: 'ha', dailyBytes: DAILY }),
      single: sim.addInstance(TEST_PROJECT_ID, { id: 'single-1', name: 'scratch', cacheMode: 'single', dailyBytes: DAILY }),
    };
    root = await mkdtemp(join(tmpdir(), 'archiver-collect-'));
    events = [];
  });

  afterEach(async () => {
    await sim.close();
  });

  function config(instances: string[], extra: Record<string, unknown> = {}): Config {
    return validateConfig({
      dcs: { endpoint: sim.endpoint, projectId: TEST_PROJECT_ID, allowHttp: true, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 } },
      instances,
      collect: { enabled: true, waitSeconds: 300 },
      destination: { url: `file://${root}/` },
      ...extra,
    });
  }

  async function pass(cfg: Config, dryRun = false): Promise<RunReport> {
    // Waiting advances the shared clock instead of real time.
    const sleep = async (ms: number) => {
      clock += ms;
    };
    const wired = buildClients(cfg, { HUAWEICLOUD_SDK_AK: TEST_AK, HUAWEICLOUD_SDK_SK: TEST_SK }, (e) => events.push(e), { now, sleep, random: () => 0.5 });
    try {
      return await runOnce(cfg, { ...wired.deps, onEvent: (e) => events.push(e) }, { dryRun });
    } finally {
      await wired.close();
    }
  }

  const closedDays = (back = 7) => Array.from({ length: back }, (_, i) => addDays(today(), i - back));
  const states = (report: RunReport, instanceId: string) => {
    const coverage = report.instances.find((i) => i.instanceId === instanceId)!.coverage!;
    return Object.fromEntries(coverage.replicas.map((r) => [r.replica, r.states.join(' ')]));
  };

  it('collects each replica with replication_id exactly where needed, waits, and archives every closed day', async () => {
    const report = await pass(config(['cluster-1', 'ha-1', 'single-1']));
    expect(report.result).toBe('ok');

    const collects = sim.requests.filter((r) => r.op === 'collect');
    const replicated = [...fleet.cluster.replicas, ...fleet.ha.replicas].map((r) => r.id).sort();
    expect(collects.filter((r) => r.instanceId !== 'single-1').map((r) => r.query.replication_id).sort()).toEqual(replicated);
    expect(collects.filter((r) => r.instanceId === 'single-1').map((r) => r.query.replication_id)).toEqual([undefined]);
    expect(collects.every((r) => r.query.query_time === '7' && r.query.log_type === 'run')).toBe(true);

    // 6 + 2 + 1 replicas × 7 closed days; today is open and waits.
    expect(report.counts.archived).toBe(9 * 7);
    for (const id of ['cluster-1', 'ha-1', 'single-1']) {
      const manifest = JSON.parse(await readFile(join(root, 'manifests', `${id}.json`), 'utf8'));
      expect(manifest.entries.every((e: { complete: boolean; bytes: number }) => e.complete && e.bytes === DAILY)).toBe(true);
      for (const row of Object.values(states(report, id))) expect(row).toBe('archived archived archived archived archived archived archived open');
    }
    expect(report.counts.daysAtRisk).toBe(0);

    // The next pass the same day has nothing to collect or archive.
    sim.resetRequests();
    const again = await pass(config(['cluster-1', 'ha-1', 'single-1']));
    expect(again.counts.archived).toBe(0);
    expect(sim.requests.filter((r) => r.op === 'collect')).toEqual([]);
  });

  it('tells when each instance starts, and when its wait for the collected files starts and ends, with the configured name', async () => {
    const report = await pass(config([], { instances: [{ id: 'ha-1', name: 'sessions-ha' }, 'single-1'] }));
    expect(report.result).toBe('ok');
    const seen = (instanceId: string) =>
      events.filter((e) => 'instanceId' in e && e.instanceId === instanceId && ['instance-started', 'instance-surveyed', 'collection-wait-started', 'collection-wait-finished', 'instance-planned'].includes(e.type));
    expect(seen('ha-1')).toEqual([
      { type: 'instance-started', instanceId: 'ha-1', instanceName: 'sessions-ha' },
      { type: 'instance-surveyed', instanceId: 'ha-1', listed: 0 },
      { type: 'collection-wait-started', instanceId: 'ha-1', replicas: 2, waitSeconds: 300 },
      { type: 'collection-wait-finished', instanceId: 'ha-1', timedOut: false },
      expect.objectContaining({ type: 'instance-planned', instanceId: 'ha-1', archive: 14 }),
    ]);
    expect(seen('single-1')[0]).toEqual({ type: 'instance-started', instanceId: 'single-1' });
    expect(events.filter((e) => e.type === 'file-started')).toHaveLength(report.counts.archived);
  });

  it('shows in a dry run the collections it would trigger per replica, and triggers and writes nothing', async () => {
    const report = await pass(config(['ha-1', 'single-1']), true);
    expect(report.instances.flatMap((i) => (i.collection ?? []).map((c) => `${i.instanceId} ${c.replica} ${c.period} ${c.result}`)).sort()).toEqual(
      [...fleet.ha.replicas.map((r) => `ha-1 ${r.ip} 7 would-trigger`), 'single-1 node 7 would-trigger'].sort(),
    );
    expect(sim.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(await readdir(root)).toEqual([]);
  });

  it('fills every gap after 5 days of downtime with one query_time 7 collection per replica', async () => {
    await pass(config(['ha-1']));
    clock += 5 * DAY_MS;
    sim.resetRequests();
    const report = await pass(config(['ha-1']));
    expect(sim.requests.filter((r) => r.op === 'collect').map((r) => r.query.query_time)).toEqual(['7', '7']);
    expect(report.counts.archived).toBe(2 * 5);
    for (const row of Object.values(states(report, 'ha-1'))) expect(row).toBe('archived archived archived archived archived archived archived open');
  });

  it('after 8 days of downtime misses only the days DCS already deleted, and names them', async () => {
    await pass(config(['single-1']));
    const lastOpenDay = today();
    clock += 8 * DAY_MS;
    const report = await pass(config(['single-1']));
    const coverage = report.instances[0]!.coverage!;
    expect(coverage.replicas.map((r) => r.states.join(' '))).toEqual(['archived archived archived archived archived archived archived open']);
    expect(coverage.lost).toEqual([{ replica: 'node', date: lastOpenDay }]);
  });

  it('archives a day collected while open from its complete re-collection after midnight', async () => {
    // A user collected today's log by hand at 23:00; the archiver runs at 03:17 the next day.
    clock = Date.parse('2026-11-20T23:00:00Z');
    const byHand = createDcsClient({ endpoint: sim.endpoint, projectId: TEST_PROJECT_ID, auth: { kind: 'aksk', accessKey: TEST_AK, secretKey: TEST_SK }, allowHttp: true, now });
    await byHand.collectRunLogs('single-1', 0);
    clock = Date.parse('2026-11-21T03:17:00Z');
    const early = sim.logs(TEST_PROJECT_ID, 'single-1').find((l) => l.date === '2026-11-20')!;
    expect(early.size).toBeLessThan(DAILY);

    const report = await pass(config(['single-1']));
    const archived = report.instances[0]!.archived.find((f) => f.date === '2026-11-20')!;
    expect(archived.bytes).toBe(DAILY);
    expect(archived.logId).not.toBe(early.id);
    expect(archived.sha256).toBe(await sim.sha256(archived.logId));
    expect(report.instances[0]!.skipped).toContainEqual(expect.objectContaining({ logId: early.id, reason: 'superseded' }));
  });

  it('confirms days that produced no file as empty and does not collect them again', async () => {
    const young = sim.addInstance(TEST_PROJECT_ID, { id: 'young-1', name: 'young', cacheMode: 'single', dailyBytes: DAILY, createdAt: clock - 3 * DAY_MS });
    const report = await pass(config([young.id]));
    expect(report.instances[0]!.emptyDaysConfirmed).toEqual(closedDays().slice(0, 4).map((date) => ({ replica: 'node', date })));
    expect(Object.values(states(report, young.id))).toEqual(['empty empty empty empty archived archived archived open']);
    sim.resetRequests();
    await pass(config([young.id]));
    expect(sim.requests.filter((r) => r.op === 'collect')).toEqual([]);
  });

  it('reports a coverage matrix and days at risk that match the simulator', async () => {
    // Collection keeps failing for the HA instance: nothing of its last week is archived.
    sim.injectFault({ op: 'collect', kind: 'http-500', instanceId: 'ha-1' });
    const report = await pass(config(['ha-1', 'single-1']));
    // Failed collections make the pass partial (exit 1), even though every listed file was archived.
    expect(report.result).toBe('partial');
    expect(report.counts.failed).toBe(2);
    const [oldest, secondOldest] = closedDays();
    const ips = fleet.ha.replicas.map((r) => r.ip).sort();
    expect(states(report, 'ha-1')).toEqual(Object.fromEntries(ips.map((ip) => [ip, 'at-risk at-risk missing missing missing missing missing open'])));
    const warned = events.filter((e) => e.type === 'day-at-risk').map((e) => (e.type === 'day-at-risk' ? `${e.instanceId} ${e.replica} ${e.date}` : ''));
    expect(warned.sort()).toEqual(ips.flatMap((ip) => [`ha-1 ${ip} ${oldest}`, `ha-1 ${ip} ${secondOldest}`]).sort());
    expect(report.counts.daysAtRisk).toBe(4);
    expect(report.instances.find((i) => i.instanceId === 'ha-1')!.collection!.every((c) => c.result === 'failed')).toBe(true);
    // Truth from the simulator: every closed day it holds for the single node is archived.
    const held = sim.logs(TEST_PROJECT_ID, 'single-1').filter((l) => l.date < today()).map((l) => l.date);
    expect(new Set(held)).toEqual(new Set(closedDays()));
    expect(Object.values(states(report, 'single-1'))).toEqual(['archived archived archived archived archived archived archived open']);
  });
});
