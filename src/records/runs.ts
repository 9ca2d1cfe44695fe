/**
 * Reading the run reports back: what the last passes were, for a process that starts without
 * memory of them (the container can be thrown away at any moment, so its figures live in the
 * bucket). Run ids begin with their UTC start time, so their keys sort by time and the newest is
 * the last key of the runs prefix: one listing of that prefix, never of the bucket, then a GET
 * per report, newest first, until what is asked for is found.
 */
import type { PassResult } from '../events.js';
import type { BucketStore } from '../store/store.js';
import { RUNS_PREFIX } from './layout.js';
import type { ReportShard, RunReport } from './run-report.js';

/** What a restart needs of one pass. */
export interface PassSummary {
  runId: string;
  result: PassResult;
  startedAt: Date;
  finishedAt: Date;
  /** Absent in reports that did not count them. */
  daysAtRisk?: number;
}

export interface LastPasses {
  /** The newest pass of this shard. */
  newest?: PassSummary;
  /** The newest pass of this shard that archived everything planned. */
  lastSuccess?: PassSummary;
  /** Reports that could not be read as one (named by key), newest first. */
  unreadable: string[];
}

/**
 * Reports read at most: one nightly pass a shard makes a success within the last few reports
 * unless none happened for weeks, and then "none found" says as much to an alert.
 */
export const MAX_REPORTS_READ = 64;

const RESULTS: readonly string[] = ['ok', 'partial', 'failed', 'stopped'] satisfies PassResult[];

/**
 * The newest pass and the newest success of one shard (reports of other shards are passed
 * over; a report without a shard is an unsharded pass's).
 */
export async function readLastPasses(store: BucketStore, options: { shard?: ReportShard; signal?: AbortSignal; maxReports?: number } = {}): Promise<LastPasses> {
  const keys: string[] = [];
  for await (const object of store.list(RUNS_PREFIX, options.signal ? { signal: options.signal } : {})) {
    if (object.key.endsWith('.json') && !object.key.slice(RUNS_PREFIX.length).includes('/')) keys.push(object.key);
  }
  keys.sort();
  const found: LastPasses = { unreadable: [] };
  let read = 0;
  for (const key of keys.reverse()) {
    if (found.lastSuccess || read >= (options.maxReports ?? MAX_REPORTS_READ)) break;
    read += 1;
    const object = await store.get(key, options.signal);
    if (!object) continue;
    const summary = summaryOf(object.body.toString('utf8'));
    if (typeof summary === 'string') {
      found.unreadable.push(`${key}: ${summary}`);
      continue;
    }
    if (!sameShard(summary.shard, options.shard)) continue;
    found.newest ??= summary.pass;
    if (summary.pass.result === 'ok') found.lastSuccess = summary.pass;
  }
  return found;
}

function sameShard(a: ReportShard | undefined, b: ReportShard | undefined): boolean {
  return a === undefined || b === undefined ? a === b : a.index === b.index && a.count === b.count;
}

/** The fields a restart needs, checked; a string says what is wrong. */
function summaryOf(text: string): { pass: PassSummary; shard?: ReportShard } | string {
  let report: Partial<RunReport>;
  try {
    report = JSON.parse(text) as Partial<RunReport>;
  } catch {
    return 'not JSON';
  }
  if (typeof report !== 'object' || report === null) return 'not a run report';
  const startedAt = new Date(String(report.startedAt));
  const finishedAt = new Date(String(report.finishedAt));
  if (typeof report.runId !== 'string' || !RESULTS.includes(String(report.result)) || Number.isNaN(startedAt.getTime()) || Number.isNaN(finishedAt.getTime())) {
    return 'no runId, result, startedAt or finishedAt';
  }
  const daysAtRisk = report.counts?.daysAtRisk;
  const shard = report.shard;
  return {
    pass: { runId: report.runId, result: report.result as PassResult, startedAt, finishedAt, ...(typeof daysAtRisk === 'number' ? { daysAtRisk } : {}) },
    ...(shard && Number.isInteger(shard.index) && Number.isInteger(shard.count) ? { shard: { index: shard.index, count: shard.count } } : {}),
  };
}
