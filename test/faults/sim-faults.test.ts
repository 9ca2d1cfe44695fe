/**
 * Scenario 1: every simulator fault on every operation where it means something, in process on a
 * clock shared with the simulator (backoff costs no real time; timeouts are real and short). Each
 * case: a pass under the fault completes, or reports each file it could not archive with a reason;
 * the invariants hold on what it wrote; with the faults cleared the next pass uploads exactly what
 * is missing and reaches the complete state.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ArchiverEvent } from '../../src/events.js';
import type { RunReport } from '../../src/records/run-report.js';
import type { SimFault, SimFaultKind, SimLog, SimOp } from '../../sim/index.js';
import { identityOf } from '../../src/records/record.js';
import { addInstanceWithLogs, checkInvariants, Clock, configFor, dirTarget, Evidence, expectVerifyClean, passInProcess, readBucket, startSim, TEST_PROJECT_ID } from './harness.js';

const AT = Date.parse('2026-11-30T03:17:00Z');
const SIZES = [0, 4_321, 700_000];

const API_KINDS: SimFaultKind[] = ['http-429', 'http-500', 'http-503', 'job-running', 'http-401', 'http-403', 'http-404', 'slow', 'truncate', 'reset', 'malformed-json', 'huge-error-body', 'hang'];
const DOWNLOAD_KINDS: SimFaultKind[] = ['http-429', 'http-500', 'http-503', 'http-401', 'http-403', 'http-404', 'slow', 'truncate', 'reset', 'expired-link', 'huge-error-body', 'hang'];
const OPS: Array<{ op: SimOp; kinds: SimFaultKind[]; collect: boolean }> = [
  { op: 'list', kinds: API_KINDS, collect: false },
  { op: 'link', kinds: [...API_KINDS, 'expired-link'], collect: false },
  { op: 'download', kinds: DOWNLOAD_KINDS, collect: false },
  { op: 'collect', kinds: API_KINDS, collect: true },
  { op: 'groups', kinds: API_KINDS, collect: true },
  { op: 'instance', kinds: API_KINDS, collect: true },
];

/** Kinds one occurrence of which a pass must absorb (retry, fresh link) and still end `ok`. */
const TRANSIENT = new Set<SimFaultKind>(['http-429', 'http-500', 'http-503', 'job-running', 'slow', 'truncate', 'reset', 'hang', 'huge-error-body', 'expired-link']);
/** Credentials refused by the API: the pass stops at once, one request, no retry. */
const FATAL = new Set<SimFaultKind>(['http-401', 'http-403']);

interface Case {
  op: SimOp;
  kind: SimFaultKind;
  times: 'once' | 'every time';
  collect: boolean;
}

const cases: Case[] = [];
for (const { op, kinds, collect } of OPS) {
  for (const kind of kinds) {
    if (TRANSIENT.has(kind) && kind !== 'slow') cases.push({ op, kind, times: 'once', collect });
    cases.push({ op, kind, times: 'every time', collect });
  }
}

const evidence = new Evidence();
const outcomes: string[] = [];

/** Every file the pass did not archive is named as failed with a reason, or its instance or the pass says why. */
function expectAccountedFor(report: RunReport, expected: readonly SimLog[]): string[] {
  const reasons: string[] = [];
  for (const log of expected) {
    const instance = report.instances.find((i) => i.instanceId === log.instanceId);
    if (instance?.archived.some((a) => a.logId === log.id)) continue;
    if (instance?.skipped.some((s) => s.logId === log.id && s.reason === 'already-archived')) continue;
    const failed = instance?.failed.find((f) => f.logId === log.id);
    const why = failed ?? instance?.error ?? report.error;
    expect(why, `file ${log.id} of ${log.instanceId} neither archived nor reported failed`).toBeDefined();
    // After a fatal error the files it cut short say `stopped`; the pass says why.
    const stoppedByFatal = report.error?.kind === 'fatal' && why!.reason === 'local.stopped';
    if (!stoppedByFatal) expect(why!.reason, why!.message).toMatch(/^[a-z]+\.[\w.-]+$/);
    expect(why!.message.length).toBeGreaterThan(10);
    reasons.push(why!.reason);
  }
  return [...new Set(reasons)];
}

/** The complete state read from the simulator: every ready file of a closed day, the largest of its re-collections. */
function completeState(sim: Awaited<ReturnType<typeof startSim>>, instances: string[], today: string): SimLog[] {
  const best = new Map<string, SimLog>();
  for (const id of instances) {
    for (const log of sim.logs(TEST_PROJECT_ID, id)) {
      if (log.status !== 'succeed' || log.date >= today) continue;
      const identity = identityOf(log);
      const current = best.get(identity);
      if (!current || log.size >= current.size) best.set(identity, log);
    }
  }
  return [...best.values()];
}

async function runCase({ op, kind, times, collect }: Case): Promise<void> {
  {
    const clock = new Clock(AT);
    const sim = await startSim({ now: clock.now, collectDelayMs: 5_000 });
    evidence.watch(sim);
    const target = await dirTarget(`${op}-${kind}`);
    try {
      let instances: string[];
      let expected: SimLog[] = [];
      let fault: SimFault;
      if (collect) {
        // An HA instance (groups call) and a single node (groups refused, instance call); DCS creates the files on collection.
        const createdAt = AT - 1.2 * 86_400_000;
        sim.addInstance(TEST_PROJECT_ID, { id: 'faults-ha', name: 'ha', cacheMode: 'ha', dailyBytes: 30_000, createdAt });
        sim.addInstance(TEST_PROJECT_ID, { id: 'faults-single', name: 'single', cacheMode: 'single', dailyBytes: 30_000, createdAt });
        instances = ['faults-ha', 'faults-single'];
        fault = { op, kind, ...(op === 'instance' ? {} : { instanceId: 'faults-ha' }) };
      } else {
        instances = ['faults-a', 'faults-b'];
        expected = [...addInstanceWithLogs(sim, 'faults-a', SIZES, { at: AT }), ...addInstanceWithLogs(sim, 'faults-b', SIZES, { at: AT })];
        // A listing fault hits one instance, a link or download fault one file: the rest must go on.
        const victim = expected.find((log) => log.instanceId === 'faults-b' && log.size === 700_000)!;
        fault = op === 'list' ? { op, kind, instanceId: 'faults-b' } : { op, kind, logId: victim.id };
      }
      if (kind === 'slow') fault.delayMs = 30;
      if (times === 'once') fault.times = 1;
      sim.injectFault(fault);
      const config = configFor(sim, target, instances, {
        dcs: { retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 20 } },
        collect: collect ? { enabled: true, waitSeconds: 120 } : {},
      });

      const events: ArchiverEvent[] = [];
      const first = await passInProcess(config, events, clock.effects());
      evidence.events(`${op} ${kind} ${times}`, events);
      evidence.add(`${op} ${kind} ${times} (report)`, JSON.stringify(first));
      const reasons = collect ? [...first.instances.flatMap((i) => [...i.failed.map((f) => f.reason), ...(i.error ? [i.error.reason] : []), ...(i.collection ?? []).flatMap((c) => (c.failure ? [c.failure.reason] : [])), ...(i.replicasError ? [i.replicasError.reason] : [])]), ...(first.error ? [first.error.reason] : [])] : expectAccountedFor(first, expected);
      outcomes.push(`${op.padEnd(8)} ${kind.padEnd(15)} ${times.padEnd(10)} → ${first.result}${reasons.length ? ` (${[...new Set(reasons)].join(', ')})` : ''}`);

      if (times === 'once' && TRANSIENT.has(kind)) expect(first.result, JSON.stringify(first.instances.map((i) => [i.failed, i.error]))).toBe('ok');
      if (kind === 'slow') expect(first.result).toBe('ok');
      if (FATAL.has(kind) && op !== 'download') {
        expect(first.result).toBe('failed');
        expect(first.error).toMatchObject({ kind: 'fatal' });
        // Five bad signatures lock the key: a refused credential is never retried.
        expect(sim.requests.filter((r) => r.status === 401 || r.status === 403)).toHaveLength(1);
      }
      await checkInvariants(target.store, sim);
      await expectVerifyClean(target.store);

      // Faults cleared: the next pass uploads exactly what is missing and completes.
      sim.clearFaults();
      const archivedBefore = new Set([...(await readBucket(target.store)).records.values()].map((r) => r.logId));
      sim.resetRequests();
      const second = await passInProcess(config, events, clock.effects());
      evidence.events(`${op} ${kind} ${times} (heal)`, events);
      expect(second.result, JSON.stringify(second.instances.map((i) => [i.failed, i.error]))).toBe('ok');
      const today = new Date(clock.ms).toISOString().slice(0, 10);
      if (collect) expected = completeState(sim, instances, today);
      const downloaded = new Set(sim.requests.filter((r) => r.op === 'download' && r.status === 200).map((r) => r.logId));
      expect([...downloaded].sort()).toEqual(expected.filter((log) => !archivedBefore.has(log.id)).map((log) => log.id).sort());
      await checkInvariants(target.store, sim, { expectComplete: expected });
      await expectVerifyClean(target.store);
      await evidence.bucket(`${op} ${kind} ${times}`, target.store);
    } finally {
      await sim.close();
      await target.store.close();
    }
  }
}

const NAME = 'survives $kind on $op ($times): the pass completes or names each failed file, and the next pass completes';

describe('every simulator fault, then a clean pass', () => {
  it.each(cases.filter((c) => c.kind !== 'hang'))(NAME, runCase);
});

// Hanging requests only wait for timeouts (1 s, real time): they overlap.
describe.concurrent('every hanging request, then a clean pass', () => {
  it.each(cases.filter((c) => c.kind === 'hang'))(NAME, runCase);
});

describe('the secret scan of scenario 1', () => {
  afterAll(async () => {
    console.log(`sim-faults outcomes (first pass):\n${outcomes.sort().join('\n')}`);
    await evidence.persist('sim-faults');
  });

  it('finds no credential or link query in any event, report, record or manifest of these passes', () => {
    expect(evidence.count).toBeGreaterThan(cases.length);
    expect(evidence.issuedLinks).toBeGreaterThan(0);
    expect(evidence.leaks()).toEqual([]);
  });
});

/** What the matrix found (docs/fault-table.md, "Bugs found"), each held by a test of its own. */
describe('what scenario 1 found', () => {
  async function fatalMidPass(slowVictim: boolean) {
    const clock = new Clock(AT);
    const sim = await startSim({ now: clock.now });
    evidence.watch(sim);
    const target = await dirTarget('fatal-mid-pass');
    const a = addInstanceWithLogs(sim, 'faults-a', SIZES, { at: AT });
    const b = addInstanceWithLogs(sim, 'faults-b', SIZES, { at: AT });
    const inFlight = a.find((log) => log.size === 700_000)!;
    const refused = b.find((log) => log.size === 700_000)!;
    // Instance a is listed alone first; then one of b's links is refused (credentials revoked mid-pass).
    if (slowVictim) sim.injectFault({ op: 'download', kind: 'slow', logId: inFlight.id, delayMs: 100 });
    sim.injectFault({ op: 'link', kind: 'http-401', logId: refused.id });
    const events: ArchiverEvent[] = [];
    const report = await passInProcess(configFor(sim, target, ['faults-a', 'faults-b']), events, clock.effects());
    evidence.events('fatal mid-pass', events);
    expect(report.result).toBe('failed');
    expect(report.error).toMatchObject({ kind: 'fatal', reason: 'dcs.APIGW.0301' });
    return { sim, target, report, inFlight };
  }

  it('rebuilds the manifest of the files a pass archived before a DCS credential failure stopped it (was BUG 1)', async () => {
    const { sim, target, report } = await fatalMidPass(false);
    try {
      const archived = report.instances.flatMap((i) => i.archived);
      expect(archived.length).toBeGreaterThan(0);
      await checkInvariants(target.store, sim);
      await expectVerifyClean(target.store);
    } finally {
      await sim.close();
    }
  });

  it('reports a file whose transfer a fatal error cut short as stopped, not as unexpected (was BUG 2)', async () => {
    const { sim, target, report, inFlight } = await fatalMidPass(true);
    try {
      const failed = report.instances.find((i) => i.instanceId === 'faults-a')!.failed.find((f) => f.logId === inFlight.id);
      expect(failed).toMatchObject({ reason: 'local.stopped' });
      await checkInvariants(target.store, sim);
    } finally {
      await sim.close();
    }
  });

  it('tries a link call that fails without an answer no more than dcs.retry.attempts times (was BUG 3)', async () => {
    const clock = new Clock(AT);
    const sim = await startSim({ now: clock.now });
    evidence.watch(sim);
    const target = await dirTarget('link-retries');
    try {
      const [victim] = addInstanceWithLogs(sim, 'faults-a', [1234], { at: AT });
      sim.injectFault({ op: 'link', kind: 'reset', logId: victim!.id });
      const events: ArchiverEvent[] = [];
      const report = await passInProcess(configFor(sim, target, ['faults-a'], { dcs: { retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 } } }), events, clock.effects());
      evidence.events('link retries', events);
      expect(report.instances[0]!.failed).toEqual([expect.objectContaining({ logId: victim!.id, reason: 'dcs.network' })]);
      // The DCS client already retried the call; the transfer retrying it again multiplies the attempts (3 × 3).
      expect(sim.requests.filter((r) => r.op === 'link').length).toBeLessThanOrEqual(3);
    } finally {
      await sim.close();
    }
  });
});
