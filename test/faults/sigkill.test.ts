/**
 * Scenario 3: the container is thrown away at any moment. Twenty times, the CLI (a child process)
 * is SIGKILLed at a seeded random moment (or, for a few, the instant an upload's object appears,
 * before its record), and a normal pass follows. After every recovery pass the bucket must be
 * clean under `verify --deep` once orphaned multipart uploads are aborted (a killed S3 upload
 * leaves one by nature: `verify --fix --older-than 0` is the product's cleanup), and every file
 * must be archived exactly once, its record matching its object and the simulator's bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityOf } from '../../src/records/record.js';
import { mulberry32 } from '../../sim/prng.js';
import type { DcsSimulator, SimLog } from '../../sim/index.js';
import { runCli, simEnv, type CliResult } from '../support/cli.js';
import { checkInvariants, configFor, dayBefore, Evidence, MiB, passInProcess, readBucket, startSim, swiftTarget, TEST_PROJECT_ID, verifyDeep, writeConfig, type Target } from './harness.js';

const SEED = 20_261_130;
const CYCLES = 20;
const INSTANCES = ['kill-a', 'kill-b'];
/**
 * Most kills come a seeded random delay (0-300 ms) after the pass's first DCS request, so they
 * land across the pass whatever the machine's speed; two come during start-up, before any work.
 * A pass over a few files is short (well under a second here), so some kills are aimed: the
 * instant a multipart upload is pending (during an upload), or the instant the batch's largest
 * object exists (between upload and record).
 */
const AT_START_UP = new Set([0, 7]);
const ON_PENDING_UPLOAD = new Set([11, 13, 18]);
const ON_OBJECT = new Set([12, 16, 19]);

/**
 * 50 sizes, 0 B..30 MiB. Cycle c reveals files c, c+20 and c+40: small and medium ones first, the
 * multipart ones (5 MiB parts) from cycle 10, the largest last (the deep audits re-read less).
 */
function sizes(random: () => number): number[] {
  const pick = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const small = (n: number) => Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 0 : pick(1, 64 * 1024)));
  const medium = Array.from({ length: 10 }, () => pick(64 * 1024, 2 * MiB));
  const large = [5 * MiB + 1, 5.5 * MiB, 6 * MiB, 7 * MiB].map((n) => Math.floor(n) + pick(0, 1000));
  return [...small(20), ...medium, pick(64 * 1024, 2 * MiB), ...large, pick(64 * 1024, 2 * MiB), 12 * MiB, pick(64 * 1024, 2 * MiB), 20 * MiB, 30 * MiB, ...small(10)];
}

interface Observation {
  cycle: number;
  /** When the kill was sent: the aim, or a delay after start-up or after the pass's first request. */
  killAt: string;
  exit: string;
  /** What the kill left: uploads pending, objects without a record, the batch's records. */
  pending: number;
  unrecorded: number;
  batchRecorded: number;
  batchSize: number;
}

describe('SIGKILL at 20 points across passes over 50 files', () => {
  let sim: DcsSimulator;
  let target: Target;
  let configPath: string;
  let config: Record<string, unknown>;
  const evidence = new Evidence();
  const observations: Observation[] = [];
  const replicas = new Map<string, { ip: string; groupName: string }>();

  beforeAll(async () => {
    sim = await startSim();
    evidence.watch(sim);
    target = swiftTarget('sigkill');
    evidence.secret(...target.secrets);
    for (const id of INSTANCES) replicas.set(id, sim.addInstance(TEST_PROJECT_ID, { id, name: id, cacheMode: 'single' }).replicas[0]!);
    config = configFor(sim, target, INSTANCES, { archive: { concurrency: 4, partSizeMiB: 5 } });
    configPath = await writeConfig(config);
  });

  afterAll(async () => {
    await target?.store.close();
    await sim?.close();
    await evidence.persist('sigkill');
  });

  it('heals after every kill: verify --deep clean once orphaned uploads are aborted, every file archived exactly once', async () => {
    const random = mulberry32(SEED);
    const all = sizes(random);
    expect(all).toHaveLength(50);
    const revealed: SimLog[] = [];

    for (let cycle = 0; cycle < CYCLES; cycle++) {
      // New files appear (as each day DCS lists new ones); the kill has work to interrupt.
      const batch = all.flatMap((size, index) => {
        if (index % CYCLES !== cycle) return [];
        const instanceId = INSTANCES[index % INSTANCES.length]!;
        const { ip, groupName } = replicas.get(instanceId)!;
        const date = dayBefore(1 + (index % 5));
        return [sim.addLog(TEST_PROJECT_ID, instanceId, { replicationIp: ip, groupName, date, size, fileName: `redis_${ip}_${date}_${String(index).padStart(2, '0')}.log` })];
      });
      revealed.push(...batch);

      // A killed pass: after a seeded delay, or the instant the batch's largest object exists.
      const delayMs = AT_START_UP.has(cycle) ? 100 + Math.floor(random() * 200) : Math.floor(random() * 300);
      const largest = batch.reduce((a, b) => (b.size > a.size ? b : a));
      let pid: number | undefined;
      let stopPolling = false;
      const aimed = ON_OBJECT.has(cycle) ? 'on-object' : ON_PENDING_UPLOAD.has(cycle) ? 'on-pending-upload' : undefined;
      const killer = aimed
        ? (async () => {
            const key = `${largest.instanceId}/${largest.date}/${largest.fileName}`;
            const hit = aimed === 'on-object' ? async () => (await target.store.head(key)) !== undefined : async () => (await target.store.listPendingUploads('')).length > 0;
            while (!stopPolling) {
              if (pid !== undefined && (await hit())) {
                killIfRunning(pid);
                return;
              }
              await new Promise((resolve) => setTimeout(resolve, 2));
            }
          })()
        : (async () => {
            // From spawn (start-up kills), or from the pass's first request to DCS.
            const seen = sim.requests.length;
            while (!AT_START_UP.has(cycle) && !stopPolling && !sim.requests.slice(seen).some((r) => r.op === 'list')) await new Promise((resolve) => setTimeout(resolve, 2));
            await new Promise((resolve) => setTimeout(resolve, delayMs));
            if (pid !== undefined && !stopPolling) killIfRunning(pid);
          })();
      const killed: CliResult = await runCli(['archive', '--config', configPath], simEnv(target.env), { onSpawn: (p) => (pid = p) });
      stopPolling = true;
      await killer;
      evidence.cli(`cycle ${cycle} (killed)`, killed);

      // Right after the kill: records are still true; an object without a record, or a pending upload, may be left.
      const batchIds = new Set(batch.map((log) => log.id));
      const left = await checkInvariants(target.store, sim, { allowUnrecorded: true, allowPending: true });
      observations.push({
        cycle,
        killAt: aimed ?? (AT_START_UP.has(cycle) ? `start-up + ${delayMs}` : `first request + ${delayMs}`),
        exit: killed.code === null ? 'SIGKILL' : `exit ${killed.code}`,
        pending: left.pending,
        unrecorded: left.unrecorded.length,
        batchRecorded: [...left.contents.records.values()].filter((r) => batchIds.has(r.logId)).length,
        batchSize: batch.length,
      });

      // A normal pass, then the product's cleanup of what a kill leaves (orphaned multipart uploads).
      const events: Parameters<typeof passInProcess>[1] = [];
      const recovery = await passInProcess(config, events, undefined, target.store);
      evidence.events(`cycle ${cycle} (recovery)`, events);
      expect(recovery.result, JSON.stringify(recovery.instances.map((i) => [i.failed, i.error]))).toBe('ok');
      const { summary, findings } = await verifyDeep(target.store, { fix: true, olderThanMs: 0 });
      expect(findings.filter((f) => f.kind !== 'orphaned-upload' && f.kind !== 'fixed-orphaned-upload'), `cycle ${cycle}`).toEqual([]);
      expect(findings.filter((f) => f.kind === 'orphaned-upload')).toHaveLength(left.pending);
      expect(summary.clean).toBe(true);

      // Exactly once: one record and one object per file, matching the simulator.
      const after = await checkInvariants(target.store, sim, { expectComplete: revealed });
      expect(after.contents.records.size).toBe(revealed.length);
      expect(after.contents.data.size).toBe(revealed.length);
      expect(new Set([...after.contents.records.values()].map(identityOf)).size).toBe(revealed.length);
    }

    // The same audit through the CLI, as an operator runs it.
    const verify = await runCli(['verify', '--config', configPath, '--deep'], { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_FORMAT: 'json', ...target.env });
    evidence.cli('verify --deep', verify);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.lines.find((l) => l.msg === 'verify finished')).toMatchObject({ clean: true, records: 50, objectsRead: 50 });

    console.log(`sigkill observations:\n${observations.map((o) => JSON.stringify(o)).join('\n')}`);
    // The kills landed before any upload, during uploads and after records; "between upload and record" is best effort.
    const kinds = new Set(observations.map((o) => (o.pending > 0 ? 'during upload' : o.unrecorded > 0 ? 'between upload and record' : o.batchRecorded === o.batchSize ? 'after' : o.batchRecorded === 0 ? 'before' : 'between files')));
    console.log(`kill points: ${[...kinds].join(', ')}`);
    expect(kinds).toContain('during upload');
    expect(kinds).toContain('before');
    // A kill that comes after the pass ended finds the process gone: that point is "after the pass".
    expect(observations.filter((o) => o.exit === 'SIGKILL').length).toBeGreaterThanOrEqual(10);
    const contents = await readBucket(target.store);
    expect(contents.records.size).toBe(50);
  }, 120_000);

  it('leaves no credential or link query in any output, event, report, record or manifest of these runs', async () => {
    await evidence.bucket('sigkill', target.store);
    expect(evidence.leaks()).toEqual([]);
  });
});

/** SIGKILL, unless the pass has already exited (it can end between the last check and the kill; the cycle then records its exit code). */
function killIfRunning(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
