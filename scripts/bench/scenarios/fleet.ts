/**
 * Fleet: many small files at 50 ms latency, at concurrency 1 and 16. Then "nothing new": the
 * same fleet, fully archived, passed over again (the second pass, and a third for the steady state).
 */
import { createS3Client } from '../../../src/store/s3-store.js';
import { archiverDefault, runArchiver, type PassResult } from '../archiver.js';
import { measureStoreRates } from '../bucket.js';
import type { BenchContext } from '../context.js';
import { countByKind } from '../../../test/support/bucket-proxy.js';
import { figure, type Figure } from '../stats.js';

export interface FleetResult {
  instances: number;
  files: number;
  fileBytes: number;
  concurrency: number;
  c1: { instances: number; files: number; subset: boolean; filesPerSecond: Figure; passMs: Figure; wallMs: Figure; peakRss: Figure };
  cN: { filesPerSecond: Figure; passMs: Figure; wallMs: Figure; peakRss: Figure; cpuSeconds: Figure; eventLoopDelayP99Ms: Figure; bucketRequestsPerFile: Figure; bucketRequests: Record<string, number>; storePutsPerSecond: Figure; floorRatio: Figure };
  speedup: Figure;
  nothingNew: NothingNewResult;
  passes: PassResult[];
}

export interface NothingNewResult {
  instances: number;
  concurrency: number;
  /** instances × latency ÷ concurrency: what the design aims for. */
  idealMs: number;
  /** instances ÷ the store's measured (GET + LIST) pairs per second: what this store allows. */
  storeFloorMs: number;
  second: PassFigures;
  third: PassFigures;
  /** One more pass with dcs.requestsPerSecond left at the archiver's default (first run only). */
  atDefaultRate?: { passMs: number; wallMs: number; rate: string };
}

export interface PassFigures {
  passMs: Figure;
  wallMs: Figure;
  peakRss: Figure;
  listCallsPerInstance: Figure;
  dcsCallsPerInstance: Figure;
  /** Bucket requests per instance, without the two per pass (bucket check, run report). */
  bucketRequestsPerInstance: Figure;
  bucketRequestsPerPass: Figure;
  /** From the last run. */
  bucketRequestsByKind: Record<string, number>;
  dcsCallsByOp: Record<string, number>;
}

export async function fleet(ctx: BenchContext): Promise<FleetResult> {
  const { options, sim, proxy, setup } = ctx;
  const { fleetInstances, fleetDays, fleetFileBytes, fleetConcurrency, c1Share } = options.sizes;
  const { instances } = sim.addFleet({ name: 'fleet', instances: fleetInstances, replicas: 2, days: fleetDays, bytes: fleetFileBytes });
  const ids = instances.map((i) => i.id);
  const filesPerInstance = 2 * fleetDays;
  const c1Ids = options.c1Full ? ids : ids.slice(0, Math.max(1, Math.round(ids.length * c1Share)));

  const c1 = { fps: [] as number[], pass: [] as number[], wall: [] as number[], rss: [] as number[] };
  const cN = { fps: [] as number[], pass: [] as number[], wall: [] as number[], rss: [] as number[], cpu: [] as number[], eld: [] as number[], perFile: [] as number[], puts: [] as number[], floor: [] as number[] };
  // The floor is measured right before and right after each pass, through the same counting
  // proxy the pass writes through: this Swift's small-PUT rate wanders by a third over minutes.
  const { swift } = ctx.bucket;
  const viaProxy = { ...ctx.bucket, client: createS3Client({ region: swift.region, endpoint: proxy.endpoint, forcePathStyle: true, credentials: { accessKeyId: swift.accessKeyId, secretAccessKey: swift.secretAccessKey }, maxSockets: 64 }) };
  const putRate = async (tag: string) => (await measureStoreRates(viaProxy, `${ctx.runPrefix}fleet/floor-${tag}/`, 320, fleetConcurrency)).putPerSecond;
  const speedup: number[] = [];
  const second = emptyPass();
  const third = emptyPass();
  let bucketRequests: Record<string, number> = {};
  const passes: PassResult[] = [];
  let atDefaultRate: NothingNewResult['atDefaultRate'];

  for (let rep = 1; rep <= options.fleetRuns; rep++) {
    const tag = `fleet ${rep}/${options.fleetRuns}`;
    ctx.progress(`${tag}: concurrency 1, ${c1Ids.length} instances${options.c1Full ? '' : ' (subset)'}`);
    const one = await runArchiver(setup, { label: `fleet-c1 ${rep}`, instances: c1Ids, prefix: `${ctx.runPrefix}fleet/c1-${rep}/`, concurrency: 1, bucketEndpoint: proxy.endpoint });
    expectArchived(one, c1Ids.length * filesPerInstance);
    c1.fps.push(one.archived / (one.passMs / 1000));
    c1.pass.push(one.passMs);
    c1.wall.push(one.wallMs);
    c1.rss.push(one.maxRssBytes);

    ctx.progress(`${tag}: concurrency ${fleetConcurrency}, ${ids.length} instances`);
    const putsBefore = await putRate(`${rep}-before`);
    proxy.reset();
    const many = await runArchiver(setup, { label: `fleet-c${fleetConcurrency} ${rep}`, instances: ids, prefix: `${ctx.runPrefix}fleet/c${fleetConcurrency}-${rep}/`, concurrency: fleetConcurrency, bucketEndpoint: proxy.endpoint });
    expectArchived(many, ids.length * filesPerInstance);
    bucketRequests = countByKind(proxy.requests);
    cN.fps.push(many.archived / (many.passMs / 1000));
    cN.pass.push(many.passMs);
    cN.wall.push(many.wallMs);
    cN.rss.push(many.maxRssBytes);
    cN.cpu.push(many.cpuUserS + many.cpuSystemS);
    cN.eld.push(many.eventLoopDelayMs.p99);
    cN.perFile.push(proxy.requests.length / many.archived);
    cN.puts.push((putsBefore + (await putRate(`${rep}-after`))) / 2);
    cN.floor.push(cN.fps.at(-1)! / (cN.puts.at(-1)! / cN.perFile.at(-1)!));
    speedup.push(cN.fps.at(-1)! / c1.fps.at(-1)!);

    for (const [which, figures] of [['second', second], ['third', third]] as const) {
      ctx.progress(`${tag}: nothing new, ${which} pass`);
      sim.sim.resetRequests();
      proxy.reset();
      const again = await runArchiver(setup, { label: `nothing-new-${which} ${rep}`, instances: ids, prefix: `${ctx.runPrefix}fleet/c${fleetConcurrency}-${rep}/`, concurrency: fleetConcurrency, bucketEndpoint: proxy.endpoint });
      expectArchived(again, 0);
      recordPass(figures, again, ids.length, ctx);
      passes.push(again);
    }
    if (rep === 1 && options.dcsRate !== 'default') {
      ctx.progress(`${tag}: nothing new, at the archiver's default dcs.requestsPerSecond`);
      const paced = await runArchiver(setup, { label: 'nothing-new-default-rate', instances: ids, prefix: `${ctx.runPrefix}fleet/c${fleetConcurrency}-${rep}/`, concurrency: fleetConcurrency, bucketEndpoint: proxy.endpoint, dcsRate: 'default' });
      expectArchived(paced, 0);
      atDefaultRate = { passMs: paced.passMs, wallMs: paced.wallMs, rate: archiverDefault(ctx.root, 'dcs', 'requestsPerSecond') };
      passes.push(paced);
    }
    passes.push(one, many);
  }

  viaProxy.client.destroy();
  return {
    instances: ids.length,
    files: ids.length * filesPerInstance,
    fileBytes: fleetFileBytes,
    concurrency: fleetConcurrency,
    c1: {
      instances: c1Ids.length,
      files: c1Ids.length * filesPerInstance,
      subset: !options.c1Full,
      filesPerSecond: figure(c1.fps, 'files/s'),
      passMs: figure(c1.pass, 'ms'),
      wallMs: figure(c1.wall, 'ms'),
      peakRss: figure(c1.rss, 'bytes'),
    },
    cN: {
      filesPerSecond: figure(cN.fps, 'files/s'),
      passMs: figure(cN.pass, 'ms'),
      wallMs: figure(cN.wall, 'ms'),
      peakRss: figure(cN.rss, 'bytes'),
      cpuSeconds: figure(cN.cpu, 's'),
      eventLoopDelayP99Ms: figure(cN.eld, 'ms'),
      bucketRequestsPerFile: figure(cN.perFile, 'requests'),
      storePutsPerSecond: figure(cN.puts, 'requests/s'),
      floorRatio: figure(cN.floor, 'ratio'),
      bucketRequests,
    },
    speedup: figure(speedup, 'x'),
    nothingNew: {
      instances: ids.length,
      concurrency: fleetConcurrency,
      idealMs: (ids.length * options.latencyMs) / fleetConcurrency,
      storeFloorMs: (ids.length / ctx.storeRates.getListPairsPerSecond) * 1000,
      second: finishPass(second),
      third: finishPass(third),
      ...(atDefaultRate ? { atDefaultRate } : {}),
    },
    passes,
  };
}

interface PassSamples {
  pass: number[];
  wall: number[];
  rss: number[];
  list: number[];
  dcs: number[];
  bucket: number[];
  perPass: number[];
  byKind: Record<string, number>;
  byOp: Record<string, number>;
}

export function emptyPass(): PassSamples {
  return { pass: [], wall: [], rss: [], list: [], dcs: [], bucket: [], perPass: [], byKind: {}, byOp: {} };
}

/** Counts of one "nothing new" pass, from the simulator's request log and the counting proxy. */
export function recordPass(samples: PassSamples, pass: PassResult, instances: number, ctx: BenchContext): void {
  const byOp = ctx.sim.callsByOp();
  const dcsCalls = Object.values(byOp).reduce((a, b) => a + b, 0);
  const perPass = ctx.proxy.requests.filter((r) => r.perPass).length;
  samples.pass.push(pass.passMs);
  samples.wall.push(pass.wallMs);
  samples.rss.push(pass.maxRssBytes);
  samples.list.push((byOp.list ?? 0) / instances);
  samples.dcs.push(dcsCalls / instances);
  samples.bucket.push((ctx.proxy.requests.length - perPass) / instances);
  samples.perPass.push(perPass);
  samples.byKind = countByKind(ctx.proxy.requests);
  samples.byOp = byOp;
}

export function finishPass(s: PassSamples): PassFigures {
  return {
    passMs: figure(s.pass, 'ms'),
    wallMs: figure(s.wall, 'ms'),
    peakRss: figure(s.rss, 'bytes'),
    listCallsPerInstance: figure(s.list, 'calls'),
    dcsCallsPerInstance: figure(s.dcs, 'calls'),
    bucketRequestsPerInstance: figure(s.bucket, 'requests'),
    bucketRequestsPerPass: figure(s.perPass, 'requests'),
    bucketRequestsByKind: s.byKind,
    dcsCallsByOp: s.byOp,
  };
}

function expectArchived(pass: PassResult, files: number): void {
  if (pass.archived !== files || pass.failed !== 0) {
    throw new Error(`pass "${pass.label}" archived ${pass.archived} and failed ${pass.failed} file(s); expected ${files} archived (log: ${pass.logFile})`);
  }
}

