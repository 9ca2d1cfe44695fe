import type { DcsApi, RunLogListing } from '../dcs/types.js';
import { describeFailure, failureKind, type FailureInfo } from '../errors.js';
import type { EventSink } from '../events.js';
import type { ArchiveRecord, EmptyDay } from '../records/record.js';
import { confirmedEmptyDays, planCollection, replicaTargets, waitForCollection, type CollectionRequest, type WaitResult } from './collect.js';

/** How collection went for one replica. */
export interface CollectionEntry {
  replica: string;
  period: number;
  days: string[];
  result: 'triggered' | 'failed' | 'would-trigger';
  failure?: FailureInfo;
}

/** What the collect stage hands on: the listing to plan from, and what it learned on the way. */
export interface Collected {
  listing: RunLogListing;
  /** Replica keys the groups call named (empty when it failed: coverage then learns them from files). */
  replicaKeys: string[];
  /** The groups call failed: nothing was collected, the listed ready files are still archived. */
  replicasFailure?: FailureInfo;
  collection: CollectionEntry[];
  /** Items that appeared after the collect calls (collected after their day ended). */
  fresh: Set<string>;
  /** The collected files were not all ready within the wait. */
  timedOut: boolean;
  /** Days this pass collected that produced no file. */
  emptyDays: EmptyDay[];
}

export interface CollectInput {
  dcs: DcsApi;
  instanceId: string;
  /** The listing taken before collecting: the files that were already there. */
  listing: RunLogListing;
  records: Iterable<ArchiveRecord>;
  emptyDays: EmptyDay[];
  today: string;
  includeOpenDay: boolean;
  waitMs: number;
  /** Plan the calls but make none (a dry run triggers nothing). */
  dryRun: boolean;
  runId: string;
  now: () => Date;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal: AbortSignal;
  /** Runs each DCS call (under the pass's concurrency limit); the wait between polls holds no slot. */
  run: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Told when the wait for the collected files starts and ends: it may last up to `waitMs`. */
  onEvent?: EventSink;
}

/**
 * replicas → trigger collection for the unsettled days → wait (bounded) for the files →
 * confirm the days that produced none. Degrades instead of failing: when the groups call or a
 * trigger fails, the instance's listed ready files are still archived; only a fatal failure
 * (credentials) is thrown.
 */
export async function collectInstance(input: CollectInput): Promise<Collected> {
  const nothing: Collected = { listing: input.listing, replicaKeys: [], collection: [], fresh: new Set(), timedOut: false, emptyDays: [] };
  let targets;
  try {
    targets = replicaTargets(await input.run(() => input.dcs.listReplicas(input.instanceId, input.signal)));
  } catch (error) {
    if (failureKind(error) === 'fatal') throw error;
    return { ...nothing, replicasFailure: describeFailure(error) };
  }
  const replicaKeys = targets.map((t) => t.key);
  const requests = planCollection({ targets, records: input.records, emptyDays: input.emptyDays, today: input.today, includeOpenDay: input.includeOpenDay });
  const collection: CollectionEntry[] = [];
  const triggered: CollectionRequest[] = [];
  for (const request of requests) {
    const entry = { replica: request.replica.key, period: request.period, days: request.days };
    if (input.dryRun) {
      collection.push({ ...entry, result: 'would-trigger' });
      continue;
    }
    try {
      await input.run(() => input.dcs.collectRunLogs(input.instanceId, request.period, request.replica.replicationId, input.signal));
      collection.push({ ...entry, result: 'triggered' });
      triggered.push(request);
    } catch (error) {
      if (failureKind(error) === 'fatal') throw error;
      collection.push({ ...entry, result: 'failed', failure: describeFailure(error) });
    }
  }
  if (triggered.length === 0) return { ...nothing, replicaKeys, collection };

  input.onEvent?.({ type: 'collection-wait-started', instanceId: input.instanceId, replicas: triggered.length, waitSeconds: input.waitMs / 1000 });
  let waited: WaitResult | undefined;
  try {
    waited = await waitForCollection({
      dcs: input.dcs,
      instanceId: input.instanceId,
      before: new Set(input.listing.logs.map((log) => log.id)),
      replicas: triggered.map((r) => r.replica),
      waitMs: input.waitMs,
      now: input.now,
      sleep: input.sleep,
      signal: input.signal,
      list: (fn) => input.run(fn),
    });
  } finally {
    // Also when a stop or a failure cut the wait short: the edge stops reporting it.
    input.onEvent?.({ type: 'collection-wait-finished', instanceId: input.instanceId, timedOut: waited?.timedOut ?? true });
  }
  const confirmedAt = input.now().toISOString();
  // A day is confirmed empty only when every collected file was ready in time.
  const emptyDays = waited.timedOut
    ? []
    : confirmedEmptyDays(triggered, waited.listing.logs, input.today).map((day) => ({ ...day, confirmedAt, runId: input.runId }));
  return { listing: waited.listing, replicaKeys, collection, fresh: waited.fresh, timedOut: waited.timedOut, emptyDays };
}
