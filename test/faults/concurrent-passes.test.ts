/**
 * Scenario 4: two runners at once (an overlapping cron, two shards configured alike). Two CLI
 * processes started together against one destination in the suite's Swift must lose and corrupt
 * nothing: `verify --deep` clean, every record matching its object and the simulator's bytes,
 * no file downloaded more than twice but for a retry the runners logged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DcsSimulator, SimLog } from '../../sim/index.js';
import { mulberry32 } from '../../sim/prng.js';
import { runCli, simEnv } from '../support/cli.js';
import type { ArchiverEvent } from '../../src/events.js';
import type { BucketStore } from '../../src/store/store.js';
import { addInstanceWithLogs, checkInvariants, configFor, dayBefore, dirTarget, Evidence, MiB, passInProcess, startSim, swiftTarget, TEST_PROJECT_ID, verifyShallow, writeConfig, type Target } from './harness.js';

const INSTANCES = ['twice-a', 'twice-b', 'twice-c', 'twice-d'];
const FILES = 200;

describe('two concurrent passes over 200 files', () => {
  let sim: DcsSimulator;
  let target: Target;
  let configPath: string;
  const logs: SimLog[] = [];
  const evidence = new Evidence();

  beforeAll(async () => {
    sim = await startSim();
    evidence.watch(sim);
    target = swiftTarget('concurrent');
    evidence.secret(...target.secrets);
    const random = mulberry32(4242);
    const replicas = INSTANCES.map((id) => sim.addInstance(TEST_PROJECT_ID, { id, name: id, cacheMode: 'single' }).replicas[0]!);
    for (let i = 0; i < FILES; i++) {
      const instanceId = INSTANCES[i % INSTANCES.length]!;
      const { ip, groupName } = replicas[i % INSTANCES.length]!;
      const date = dayBefore(1 + (i % 6));
      // A few multipart uploads race on the same key; the rest are small.
      const size = i % 50 === 7 ? 6 * MiB + i : Math.floor(random() * 32 * 1024);
      logs.push(sim.addLog(TEST_PROJECT_ID, instanceId, { replicationIp: ip, groupName, date, size, fileName: `redis_${ip}_${date}_${String(i).padStart(3, '0')}.log` }));
    }
    // Timeouts as in production: two runners and Swift share two cores, and a 1 s timeout would add retries (downloads) of its own.
    configPath = await writeConfig(configFor(sim, target, INSTANCES, { archive: { concurrency: 8, partSizeMiB: 5 }, dcs: { timeouts: { connectSeconds: 10, headersSeconds: 30, bodySeconds: 30 } } }));
  });

  afterAll(async () => {
    await target?.store.close();
    await sim?.close();
    await evidence.persist('concurrent-passes');
  });

  const verifyCli = async (label: string) => {
    const result = await runCli(['verify', '--config', configPath, '--deep'], { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_FORMAT: 'json', ...target.env });
    evidence.cli(label, result);
    return result;
  };
  const problemKinds = (result: Awaited<ReturnType<typeof verifyCli>>) => [...new Set(result.lines.filter((l) => l.level !== 'info' && typeof l.kind === 'string').map((l) => String(l.kind)))];

  it('loses and corrupts nothing: every record matches its object and the simulator, no file downloaded more than twice but for a logged retry', async () => {
    const [a, b] = await Promise.all([
      runCli(['archive', '--config', configPath], simEnv(target.env)),
      runCli(['archive', '--config', configPath], simEnv(target.env)),
    ]);
    evidence.cli('runner a', a);
    evidence.cli('runner b', b);
    expect([a.code, b.code], a.stdout + b.stdout).toEqual([0, 0]);

    const downloads = new Map<string, number>();
    for (const request of sim.requests) if (request.op === 'download' && request.status === 200) downloads.set(request.logId!, (downloads.get(request.logId!) ?? 0) + 1);
    expect(downloads.size).toBe(FILES);
    // Each runner downloads a file once per attempt: a retried attempt (logged, with its reason) may
    // download it once more, and nothing else may.
    const retries = new Map<string, number>();
    const retryLines = [...a.lines, ...b.lines].filter((l) => l.msg === 'retrying');
    for (const line of retryLines) retries.set(String(line.scope), (retries.get(String(line.scope)) ?? 0) + 1);
    const excess = logs
      .map((log) => ({ file: log.fileName, downloads: downloads.get(log.id) ?? 0, allowed: 2 + (retries.get(`${log.instanceId}/${log.fileName}`) ?? 0) }))
      .filter((f) => f.downloads > f.allowed);
    expect(excess, JSON.stringify(retryLines)).toEqual([]);
    expect(retryLines.length, JSON.stringify(retryLines)).toBeLessThanOrEqual(FILES / 20);

    const state = await checkInvariants(target.store, sim, { expectComplete: logs });
    expect(state.contents.records.size).toBe(FILES);
    expect(state.contents.data.size).toBe(FILES);
    expect(state.contents.manifests).toHaveLength(INSTANCES.length);

    // The objects themselves, read back, and the manifests against the records.
    const verify = await verifyCli('verify --deep after two runners');
    expect(verify.lines.find((l) => l.msg === 'verify finished')).toMatchObject({ records: FILES, objectsRead: FILES });
    expect(problemKinds(verify)).toEqual([]);
    expect(verify.code).toBe(0);
  }, 90_000);

  it('uploads nothing on a third pass, alone', async () => {
    sim.resetRequests();
    const third = await runCli(['archive', '--config', configPath], simEnv(target.env));
    evidence.cli('third pass', third);
    expect(third.code).toBe(0);
    expect(sim.requests.filter((r) => r.op === 'download' || r.op === 'link')).toEqual([]);
  });

  it('leaves no credential or link query in any output, report, record or manifest of these runs', async () => {
    await evidence.bucket('concurrent', target.store);
    expect(evidence.leaks()).toEqual([]);
  });
});

/**
 * What was BUG 5, made deterministic in process: runners A and B plan, A writes its records and reads
 * them back for its manifest, B rewrites them (same file, same bytes, another archivedAt and
 * runId) and writes its manifest, and A writes its manifest last, from the records it read.
 */
describe('two runners whose writes interleave', () => {
  const evidence = new Evidence();
  let sim: DcsSimulator;
  let target: Target;
  let config: Record<string, unknown>;

  beforeAll(async () => {
    sim = await startSim();
    evidence.watch(sim);
    target = await dirTarget('interleaved');
    addInstanceWithLogs(sim, 'twice-x', [1_000, 2_000, 3_000]);
    config = configFor(sim, target, ['twice-x'], { archive: { concurrency: 1 } });
  });

  afterAll(async () => {
    await sim?.close();
    await evidence.persist('concurrent-interleaved');
  });

  it('has the next pass rebuild a manifest that another runner made disagree with the records (was BUG 5)', async () => {
    const planned = { a: latch(), b: latch() };
    const aRecords = latch(3);
    const bDone = latch();
    const eventsA: ArchiverEvent[] = [];
    const eventsB: ArchiverEvent[] = [];
    const storeA = gated(target.store, async (key) => {
      await Promise.all([planned.a.done, planned.b.done]);
      if (key.startsWith('manifests/')) await bDone.done;
    }, (key) => key.startsWith('records/') && aRecords.hit());
    const storeB = gated(target.store, async (key) => {
      await Promise.all([planned.a.done, planned.b.done]);
      if (key.startsWith('records/')) await aRecords.done;
    });
    const watch = (events: ArchiverEvent[], mark: { hit: () => void }) => (event: ArchiverEvent) => {
      events.push(event);
      if (event.type === 'instance-planned') mark.hit();
    };
    const [a, b] = await Promise.all([
      passInProcess(config, eventsA, undefined, storeA, watch(eventsA, planned.a)),
      passInProcess(config, eventsB, undefined, storeB, watch(eventsB, planned.b)).finally(() => bDone.hit()),
    ]);
    evidence.events('runner a', eventsA);
    evidence.events('runner b', eventsB);
    expect([a.counts.archived, b.counts.archived]).toEqual([3, 3]);
    await checkInvariants(target.store, sim);
    // A read the records before B rewrote them and wrote its manifest after B's: no runner can
    // see that (no conditional writes), but the next pass must, and rebuild the manifest.
    expect((await verifyShallow(target.store)).findings.map((f) => f.kind)).toContain('manifest-differs');
    const events: ArchiverEvent[] = [];
    await passInProcess(config, events);
    evidence.events('next pass', events);
    expect((await verifyShallow(target.store)).findings.map((f) => f.kind)).toEqual([]);
  });

  it('leaves no credential or link query in any event, report, record or manifest of these runs', async () => {
    await evidence.bucket('interleaved', target.store);
    expect(evidence.leaks()).toEqual([]);
  });
});

/** Resolves `done` after `hit()` was called `count` times; `hit` returns whether it counted. */
function latch(count = 1) {
  let left = count;
  let open = () => {};
  const done = new Promise<void>((resolve) => (open = resolve));
  return {
    done,
    hit: () => {
      if (left <= 0) return false;
      if (--left === 0) open();
      return true;
    },
  };
}

/** The store, with every put waiting for `before(key)`, and `after(key)` told once it is written. */
function gated(store: BucketStore, before: (key: string) => Promise<void>, after: (key: string) => void = () => {}): BucketStore {
  return {
    ...store,
    check: (signal) => store.check(signal),
    upload: (key, body, options) => store.upload(key, body, options),
    get: (key, signal) => store.get(key, signal),
    read: (key, signal) => store.read(key, signal),
    head: (key, signal) => store.head(key, signal),
    list: (prefix, options) => store.list(prefix, options),
    delete: (key, signal) => store.delete(key, signal),
    listPendingUploads: (prefix, signal) => store.listPendingUploads(prefix, signal),
    abortPendingUpload: (upload, signal) => store.abortPendingUpload(upload, signal),
    close: async () => {},
    put: async (key, body, options) => {
      await before(key);
      const written = await store.put(key, body, options);
      after(key);
      return written;
    },
  };
}
