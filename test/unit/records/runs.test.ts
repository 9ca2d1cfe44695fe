import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PassResult } from '../../../src/events.js';
import { runReportKey } from '../../../src/records/layout.js';
import { buildRunReport, type InstanceReport, type ReportShard } from '../../../src/records/run-report.js';
import { latestRunId } from '../../../src/records/catalog.js';
import { readLastPasses } from '../../../src/records/runs.js';
import { newRunId } from '../../../src/pass/run-once.js';
import { createFileStore } from '../../../src/store/file-store.js';
import type { BucketStore } from '../../../src/store/store.js';

const base = new Date('2026-11-20T03:17:00Z');
const failure = { source: 'dcs' as const, kind: 'file' as const, reason: 'dcs.http-500', message: 'DCS answered 500' };
const atRisk = (n: number): InstanceReport['coverage'] =>
  ({ atRisk: Array.from({ length: n }, (_, i) => ({ replica: 'r', date: `2026-11-1${i}` })) }) as unknown as InstanceReport['coverage'];

/** A store with one report a day (or every `stepMs`), from `base`, of the results and shards given. */
async function storeWith(passes: Array<{ result: PassResult; shard?: ReportShard; daysAtRisk?: number }>, stepMs = 86_400_000): Promise<{ store: BucketStore; runIds: string[] }> {
  const store = createFileStore({ root: await mkdtemp(join(tmpdir(), 'archiver-runs-')) });
  const runIds: string[] = [];
  for (const [day, pass] of passes.entries()) {
    const startedAt = new Date(base.getTime() + day * stepMs);
    const instance: InstanceReport = { instanceId: 'i', projectId: 'p', archived: [], skipped: [], failed: pass.result === 'partial' ? [{ fileName: 'f', logId: 'l', date: 'd', ...failure }] : [], coverage: atRisk(pass.daysAtRisk ?? 0) };
    const report = buildRunReport({
      runId: newRunId(startedAt),
      startedAt,
      finishedAt: new Date(startedAt.getTime() + 90_000),
      dryRun: false,
      instances: [instance],
      fatal: pass.result === 'failed' ? { ...failure, kind: 'fatal' } : undefined,
      shard: pass.shard,
    });
    expect(report.result).toBe(pass.result);
    await store.put(runReportKey(report.runId), JSON.stringify(report));
    runIds.push(report.runId);
  }
  return { store, runIds };
}

describe('readLastPasses', () => {
  it('finds the newest pass by its run id (which begins with its start time) and the newest success before it', async () => {
    const { store, runIds } = await storeWith([{ result: 'ok' }, { result: 'ok' }, { result: 'partial', daysAtRisk: 3 }, { result: 'failed', daysAtRisk: 2 }]);
    const last = await readLastPasses(store);
    expect(last.newest).toMatchObject({ runId: runIds[3], result: 'failed', daysAtRisk: 2, finishedAt: new Date(base.getTime() + 3 * 86_400_000 + 90_000) });
    expect(last.lastSuccess).toMatchObject({ runId: runIds[1], result: 'ok' });
    expect(last.unreadable).toEqual([]);
  });

  it("takes only the shard's own reports; a report without a shard is an unsharded pass's", async () => {
    const s0 = { index: 0, count: 2 };
    const s1 = { index: 1, count: 2 };
    const { store, runIds } = await storeWith([{ result: 'ok' }, { result: 'ok', shard: s0 }, { result: 'ok', shard: s1 }, { result: 'partial', shard: s0, daysAtRisk: 1 }, { result: 'partial', shard: s1 }]);
    const zero = await readLastPasses(store, { shard: s0 });
    expect([zero.newest?.runId, zero.lastSuccess?.runId, zero.newest?.daysAtRisk]).toEqual([runIds[3], runIds[1], 1]);
    const one = await readLastPasses(store, { shard: s1 });
    expect([one.newest?.runId, one.lastSuccess?.runId]).toEqual([runIds[4], runIds[2]]);
    const all = await readLastPasses(store);
    expect([all.newest?.runId, all.lastSuccess?.runId]).toEqual([runIds[0], runIds[0]]);
    expect((await readLastPasses(store, { shard: { index: 0, count: 3 } })).newest).toBeUndefined();
  });

  it('tells passes that start within one second by their start, not by the random part of their ids', async () => {
    const passes = Array.from({ length: 20 }, (_, i) => ({ result: i === 19 ? ('partial' as const) : ('ok' as const) }));
    const { store, runIds } = await storeWith(passes, 37);
    expect(new Set(runIds.map((id) => id.slice(0, 15))).size).toBe(1);
    const last = await readLastPasses(store);
    expect([last.newest?.runId, last.lastSuccess?.runId]).toEqual([runIds[19], runIds[18]]);
    expect(await latestRunId(store, new Date(base.getTime() + 1000))).toBe(runIds[19]);
  });

  it('passes over a report that cannot be read, naming it, and finds nothing in an empty bucket', async () => {
    const { store, runIds } = await storeWith([{ result: 'ok' }]);
    await store.put('runs/29991231T000000Z-ffffff.json', '{"runId": "x"');
    const last = await readLastPasses(store);
    expect(last.newest?.runId).toBe(runIds[0]);
    expect(last.unreadable).toEqual(['runs/29991231T000000Z-ffffff.json: not JSON']);
    const empty = createFileStore({ root: await mkdtemp(join(tmpdir(), 'archiver-runs-')) });
    expect(await readLastPasses(empty)).toEqual({ unreadable: [] });
  });

  it('reads at most maxReports reports looking for a success', async () => {
    const { store, runIds } = await storeWith([{ result: 'ok' }, { result: 'partial' }, { result: 'partial' }, { result: 'partial' }]);
    const bounded = await readLastPasses(store, { maxReports: 2 });
    expect([bounded.newest?.runId, bounded.lastSuccess]).toEqual([runIds[3], undefined]);
    expect((await readLastPasses(store, { maxReports: 4 })).lastSuccess?.runId).toBe(runIds[0]);
  });

  it('reads reports written before the shard field as unsharded', async () => {
    const { store } = await storeWith([]);
    const legacy = { schemaVersion: 1, runId: '20261101T031700Z-abcdef', startedAt: '2026-11-01T03:17:00.000Z', finishedAt: '2026-11-01T03:18:00.000Z', dryRun: false, result: 'ok', counts: { instances: 1 } };
    await store.put(runReportKey(legacy.runId), JSON.stringify(legacy));
    const last = await readLastPasses(store);
    expect(last.lastSuccess).toEqual({ runId: legacy.runId, result: 'ok', startedAt: new Date(legacy.startedAt), finishedAt: new Date(legacy.finishedAt) });
  });
});
