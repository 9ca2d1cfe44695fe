/**
 * Scale curve: "nothing new" passes over 100, 1,000 and 5,000 instances (one closed day, one
 * replica each), and at 1,000 instances with 3 vs 30 days of history, from a state seeded
 * straight into the bucket (seed.ts says how and why).
 */
import { runArchiver, type PassResult } from '../archiver.js';
import type { BenchContext } from '../context.js';
import { seedArchived } from '../seed.js';
import { figure, type Figure } from '../stats.js';
import { emptyPass, finishPass, recordPass, type PassFigures } from './fleet.js';

export interface ScalePoint {
  instances: number;
  historyDays: number;
  concurrency: number;
  idealMs: number;
  storeFloorMs: number;
  msPerInstance: Figure;
  figures: PassFigures;
}

export interface ScaleResult {
  seeding: { puts: number; ms: number; method: string };
  curve: ScalePoint[];
  history: ScalePoint[];
  passes: PassResult[];
}

export const SEED_METHOD =
  'records and manifests written straight into the bucket in the archiver\'s shapes (scripts/bench/seed.ts); ' +
  'older days are manifest entries only; the measured passes are real archiver runs';

export async function scale(ctx: BenchContext): Promise<ScaleResult> {
  const { options, sim, setup, proxy } = ctx;
  const { scaleInstances, historyInstances, historyDays, fleetConcurrency } = options.sizes;
  const largest = Math.max(...scaleInstances, historyInstances);
  const fleet = sim.addFleet({ name: 'scale', instances: largest, replicas: 1, days: 1, bytes: 2048 });
  const prefix = `${ctx.runPrefix}scale/`;

  ctx.progress(`scale: seeding ${largest} instances (${historyDays[0]} days of history) into the bucket`);
  const seeded = await seedArchived(ctx.bucket, sim, { prefix, instances: fleet.instances, logs: fleet.logs, historyDays: historyDays[0], records: true, concurrency: 32 });
  const passes: PassResult[] = [];

  const measure = async (count: number, days: number): Promise<ScalePoint> => {
    const ids = fleet.instances.slice(0, count).map((i) => i.id);
    const samples = emptyPass();
    const perInstance: number[] = [];
    for (let rep = 1; rep <= options.scaleRuns; rep++) {
      ctx.progress(`scale: ${count} instances, ${days} days of history, pass ${rep}/${options.scaleRuns}`);
      sim.sim.resetRequests();
      proxy.reset();
      const pass = await runArchiver(setup, { label: `scale-${count}-${days}d ${rep}`, instances: ids, prefix, concurrency: fleetConcurrency, bucketEndpoint: proxy.endpoint });
      if (pass.archived !== 0 || pass.failed !== 0) throw new Error(`scale pass over ${count} instances archived ${pass.archived}, failed ${pass.failed}: the seeded state was not taken as archived (log: ${pass.logFile})`);
      recordPass(samples, pass, count, ctx);
      perInstance.push(pass.passMs / count);
      passes.push(pass);
    }
    return {
      instances: count,
      historyDays: days,
      concurrency: fleetConcurrency,
      idealMs: (count * options.latencyMs) / fleetConcurrency,
      storeFloorMs: (count / ctx.storeRates.getListPairsPerSecond) * 1000,
      msPerInstance: figure(perInstance, 'ms'),
      figures: finishPass(samples),
    };
  };

  const curve: ScalePoint[] = [];
  for (const count of [...scaleInstances].sort((a, b) => a - b)) curve.push(await measure(count, historyDays[0]));
  const history: ScalePoint[] = [curve.find((p) => p.instances === historyInstances) ?? (await measure(historyInstances, historyDays[0]))];

  ctx.progress(`scale: rewriting ${historyInstances} manifests with ${historyDays[1]} days of history`);
  const historyIds = new Set(fleet.instances.slice(0, historyInstances).map((i) => i.id));
  const rewritten = await seedArchived(ctx.bucket, sim, {
    prefix,
    instances: fleet.instances.slice(0, historyInstances),
    logs: fleet.logs.filter((log) => historyIds.has(log.instanceId)),
    historyDays: historyDays[1],
    records: false,
    concurrency: 32,
  });
  history.push(await measure(historyInstances, historyDays[1]));

  return {
    seeding: { puts: seeded.puts + rewritten.puts, ms: seeded.ms + rewritten.ms, method: SEED_METHOD },
    curve,
    history,
    passes,
  };
}
