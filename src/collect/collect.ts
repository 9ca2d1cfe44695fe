import type { CollectPeriod, DcsApi, Replica, RunLog, RunLogListing } from '../dcs/types.js';
import { addDays, daysBetween } from '../calendar.js';
import type { ArchiveRecord, EmptyDay } from '../records/record.js';

/** Days DCS keeps before today; the oldest one is deleted next. */
export const RETENTION_DAYS = 7;
const PERIODS: CollectPeriod[] = [0, 1, 3, 7];
/** The key of a single-node instance's only replica, whose IP the API does not give up front. */
export const SINGLE_NODE = 'node';

/** A replica to collect for: its IP (or `node`) and the id the collect call needs. */
export interface ReplicaTarget {
  key: string;
  replicationId?: string;
  groupName?: string;
}

export interface CollectionRequest {
  replica: ReplicaTarget;
  period: CollectPeriod;
  /** The days it is for (those not yet settled). */
  days: string[];
}

/** Which replicas to collect for: every active one, or the single node. */
export function replicaTargets(replicas: Replica[]): ReplicaTarget[] {
  if (replicas.length === 0) return [{ key: SINGLE_NODE }];
  return replicas.filter((r) => r.active).map((r) => ({ key: r.ip, replicationId: r.id, groupName: r.groupName }));
}

export function belongsTo(replicaKey: string, replicationIp: string): boolean {
  return replicaKey === SINGLE_NODE || replicaKey === replicationIp;
}

/**
 * Pure: for each replica, the closed days of the retention window that are not settled (no
 * complete record, no confirmed empty day), and the smallest collect period covering them.
 * Today is collected too when open days are archived.
 */
export function planCollection(input: {
  targets: ReplicaTarget[];
  records: Iterable<ArchiveRecord>;
  emptyDays: EmptyDay[];
  today: string;
  includeOpenDay: boolean;
}): CollectionRequest[] {
  const settled = new Set<string>();
  for (const record of input.records) if (record.complete) settled.add(`${record.replicationIp}|${record.date}`);
  const empty = new Set(input.emptyDays.map((d) => `${d.replica}|${d.date}`));
  const requests: CollectionRequest[] = [];
  for (const replica of input.targets) {
    const isSettled = (day: string) =>
      empty.has(`${replica.key}|${day}`) ||
      (replica.key === SINGLE_NODE ? [...settled].some((s) => s.endsWith(`|${day}`)) : settled.has(`${replica.key}|${day}`));
    const days: string[] = [];
    for (let back = RETENTION_DAYS; back >= 1; back--) {
      const day = addDays(input.today, -back);
      if (!isSettled(day)) days.push(day);
    }
    if (input.includeOpenDay) days.push(input.today);
    if (days.length === 0) continue;
    const reach = Math.max(...days.map((day) => daysBetween(day, input.today)));
    const period = PERIODS.find((p) => p >= reach) ?? 7;
    requests.push({ replica, period, days });
  }
  return requests;
}

export interface WaitResult {
  listing: RunLogListing;
  /** Items that appeared after the collect calls. */
  fresh: Set<string>;
  /** Gave up before every collected replica had ready files. */
  timedOut: boolean;
}

const FINAL = new Set(['succeed', 'failed']);

/**
 * Polls the listing with backoff until every collected replica has new items and none of them
 * is still being produced, or until the deadline. One instance's wait never holds a slot of
 * the concurrency limit.
 */
export async function waitForCollection(options: {
  dcs: DcsApi;
  instanceId: string;
  before: ReadonlySet<string>;
  replicas: ReplicaTarget[];
  waitMs: number;
  now: () => Date;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
  /** Runs each listing call, e.g. under the concurrency limit. */
  list?: (fn: () => Promise<RunLogListing>) => Promise<RunLogListing>;
}): Promise<WaitResult> {
  const deadline = options.now().getTime() + options.waitMs;
  const list = options.list ?? ((fn) => fn());
  for (let attempt = 0; ; attempt++) {
    const listing = await list(() => options.dcs.listRunLogs(options.instanceId, options.signal));
    const fresh = listing.logs.filter((log) => !options.before.has(log.id));
    const done =
      fresh.every((log) => FINAL.has(log.status)) &&
      options.replicas.every((replica) => fresh.some((log) => belongsTo(replica.key, log.replicationIp)));
    const remaining = deadline - options.now().getTime();
    if (done || remaining <= 0) return { listing, fresh: new Set(fresh.map((log) => log.id)), timedOut: !done };
    await options.sleep(Math.min(remaining, 1000 * 2 ** Math.min(attempt, 4)), options.signal);
  }
}

/** Collected days of a replica that produced no file at all: confirmed empty. */
export function confirmedEmptyDays(requests: CollectionRequest[], logs: RunLog[], today: string): Array<{ replica: string; date: string }> {
  const out: Array<{ replica: string; date: string }> = [];
  for (const request of requests) {
    for (const day of request.days) {
      if (day >= today) continue;
      if (!logs.some((log) => log.date === day && belongsTo(request.replica.key, log.replicationIp))) out.push({ replica: request.replica.key, date: day });
    }
  }
  return out;
}
