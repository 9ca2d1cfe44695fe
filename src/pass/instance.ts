import { addDays } from '../calendar.js';
import { collectInstance, type Collected } from '../collect/collect-instance.js';
import { RETENTION_DAYS, SINGLE_NODE } from '../collect/collect.js';
import { computeCoverage } from '../collect/coverage.js';
import type { Config } from '../config/schema.js';
import type { DcsApi, RunLog, RunLogListing } from '../dcs/types.js';
import { describeFailure, failureKind, isStop, type FailureInfo } from '../errors.js';
import type { EventSink } from '../events.js';
import { planInstance, type Plan, type PlannedFile } from '../plan/planner.js';
import { recordOf, type Book, type InstanceRecords, type StampedRecord } from '../records/book.js';
import type { ArchivedFile, DeferredFile, FailedFile, InstanceReport } from '../records/run-report.js';
import { probeSize } from '../transfer/download.js';
import { transferFile, type TransferDeps } from '../transfer/transfer-file.js';
import type { PassScope } from './scope.js';
import type { Target } from './targets.js';

/** What every instance of a pass shares. */
export interface InstanceContext {
  config: Config;
  scope: PassScope;
  book: Book;
  /** Everything a transfer needs but the instance's own DCS client. */
  transfer: Omit<TransferDeps, 'dcs'>;
  runId: string;
  /** The pass's one "today", taken once at its start. */
  today: string;
  now: () => Date;
  dryRun: boolean;
  onEvent: EventSink;
}

/**
 * One instance: survey (listing, records) → collect → plan (probing sizes when it must choose)
 * → transfer each file, then its record → close (manifest) → coverage. Every stage returns
 * data; the report is put together from it at the end. `ready` is called once the instance's
 * first DCS call has answered, so the rest of its project may start.
 */
export async function archiveInstance(target: Target, ctx: InstanceContext, ready: () => void): Promise<InstanceReport> {
  const { config, scope, onEvent } = ctx;
  const dcs = target.project.dcs;
  const instanceId = target.id;
  const identity = { instanceId, ...(target.name ? { name: target.name } : {}), projectId: dcs.projectId };
  const instanceFailure = (error: unknown): FailureInfo => {
    scope.noteFailure(error);
    const failure = describeFailure(error);
    onEvent({ type: 'instance-failed', instanceId, ...failure });
    return failure;
  };

  let surveyed: { listing: RunLogListing; records: InstanceRecords };
  let collected: Collected;
  let planned: Planned;
  try {
    surveyed = await scope.run(() => survey(dcs, target, ctx)).finally(ready);
    collected = config.collect.enabled ? await collect(dcs, instanceId, surveyed, ctx) : notCollected(surveyed.listing);
    planned = await plan(dcs, target, surveyed.records, collected, ctx);
  } catch (error) {
    // A signal stopped the pass before this instance's files were planned: nothing failed, the next pass takes it.
    if (isStop(error) && scope.stoppedBySignal()) return { ...identity, archived: [], skipped: [], failed: [], notStarted: true };
    return { ...identity, archived: [], skipped: [], failed: [], error: instanceFailure(error) };
  }
  const { records } = surveyed;
  const base: InstanceReport = {
    ...identity,
    archived: [],
    skipped: planned.plan.skip,
    failed: planned.probeFailures,
    ...(records.problems.length > 0 ? { recordProblems: records.problems } : {}),
    ...(collected.replicasFailure ? { replicasError: collected.replicasFailure } : {}),
    ...(config.collect.enabled && !collected.replicasFailure ? { collection: collected.collection } : {}),
    ...(collected.timedOut ? { collectionTimedOut: true } : {}),
  };
  if (ctx.dryRun) return { ...base, planned: planned.plan.archive.map(plannedEntry) };

  const outcomes = await Promise.all(planned.plan.archive.map((file) => archiveFile(dcs, instanceId, file, planned.links.get(file.log.id), ctx)));
  const archived = outcomes.flatMap((o) => ('archived' in o ? [o] : []));
  const deferred = outcomes.flatMap((o) => ('deferred' in o ? [o.deferred] : []));
  const report: InstanceReport = {
    ...base,
    archived: archived.map((o) => o.archived),
    failed: [...base.failed, ...outcomes.flatMap((o) => ('failed' in o ? [o.failed] : []))],
    ...(deferred.length > 0 ? { deferred } : {}),
  };

  let known = [...records.byIdentity.values()];
  let emptyDays = records.emptyDays;
  try {
    const closed = await scope.run(
      () =>
        ctx.book.close({
          projectId: dcs.projectId,
          instanceId,
          ...(target.name ? { instanceName: target.name } : {}),
          held: records,
          written: archived.map((o) => o.written),
          acknowledge: planned.plan.acknowledge,
          emptyDays: collected.emptyDays,
          windowStart: addDays(ctx.today, -RETENTION_DAYS),
          now: ctx.now(),
        }),
      { closing: true },
    );
    known = closed.records;
    emptyDays = closed.emptyDays;
  } catch (error) {
    if (!isStop(error)) return { ...report, error: instanceFailure(error) };
  }
  const notCollectedReplicas = collected.replicasFailure ? 'all' : collected.collection.filter((c) => c.result === 'failed').map((c) => c.replica);
  const coverage = computeCoverage({ instanceId, replicas: collected.replicaKeys, records: known, emptyDays, logs: collected.listing.logs, today: ctx.today, notCollected: notCollectedReplicas, retentionDays: ctx.config.destination.retentionDays });
  // After a stop the next pass decides what is at risk: it takes the deferred files first.
  if (!scope.stoppedBySignal()) for (const { replica, date } of coverage.atRisk) onEvent({ type: 'day-at-risk', instanceId, replica, date });
  const current = new Set(collected.replicaKeys);
  if (current.size > 0 && !current.has(SINGLE_NODE)) {
    for (const row of coverage.replicas) if (!current.has(row.replica)) onEvent({ type: 'replica-gone', instanceId, replica: row.replica });
  }
  return {
    ...report,
    ...(collected.emptyDays.length > 0 ? { emptyDaysConfirmed: collected.emptyDays.map((d) => ({ replica: d.replica, date: d.date })) } : {}),
    coverage,
  };
}

/** The listing, then the records it needs: the manifest and those listed since the oldest day in view. */
async function survey(dcs: DcsApi, target: Target, ctx: InstanceContext) {
  const instanceId = target.id;
  ctx.onEvent({ type: 'instance-started', instanceId, ...(target.name ? { instanceName: target.name } : {}) });
  const listing = await dcs.listRunLogs(instanceId, ctx.scope.hard);
  const windowStart = addDays(ctx.today, -RETENTION_DAYS);
  const oldest = listing.logs.reduce((min, log) => (log.date < min ? log.date : min), windowStart);
  const records = await ctx.book.survey(instanceId, oldest, ctx.scope.hard);
  ctx.onEvent({ type: 'instance-surveyed', instanceId, listed: listing.logs.length });
  return { listing, records };
}

async function collect(dcs: DcsApi, instanceId: string, surveyed: { listing: RunLogListing; records: InstanceRecords }, ctx: InstanceContext): Promise<Collected> {
  const { config, scope, onEvent } = ctx;
  const collected = await collectInstance({
    dcs,
    instanceId,
    listing: surveyed.listing,
    records: surveyed.records.byIdentity.values(),
    emptyDays: surveyed.records.emptyDays,
    today: ctx.today,
    includeOpenDay: config.archive.includeOpenDay,
    waitMs: config.collect.waitSeconds * 1000,
    dryRun: ctx.dryRun,
    runId: ctx.runId,
    now: ctx.now,
    sleep: ctx.transfer.sleep,
    signal: scope.hard,
    run: (fn) => scope.run(fn),
    onEvent,
  });
  if (collected.replicasFailure) onEvent({ type: 'replicas-failed', instanceId, failure: collected.replicasFailure });
  for (const entry of collected.collection) {
    if (entry.failure) onEvent({ type: 'collection-failed', instanceId, replica: entry.replica, failure: entry.failure });
  }
  if (collected.timedOut) onEvent({ type: 'collection-timed-out', instanceId, waitSeconds: config.collect.waitSeconds });
  return collected;
}

function notCollected(listing: RunLogListing): Collected {
  return { listing, replicaKeys: [], collection: [], fresh: new Set(), timedOut: false, emptyDays: [] };
}

interface Planned {
  plan: Plan;
  /** Links obtained by size probes, by log id: the transfer's first attempt uses them. */
  links: Map<string, string>;
  probeFailures: FailedFile[];
}

/**
 * The pure plan; when it must compare re-collections, their sizes are read (a ranged GET: a
 * read, so a dry run does it too) and it plans again with them.
 */
async function plan(dcs: DcsApi, target: Target, records: InstanceRecords, collected: Collected, ctx: InstanceContext): Promise<Planned> {
  const { config, scope } = ctx;
  const input = {
    projectId: dcs.projectId,
    instance: target,
    logs: collected.listing.logs,
    malformed: collected.listing.malformed,
    records: records.byIdentity,
    today: ctx.today,
    timeZone: config.schedule.timezone,
    includeOpenDay: config.archive.includeOpenDay,
    keyTemplate: config.archive.keyTemplate,
    compression: config.archive.compression,
    sizes: new Map<string, number>(),
    fresh: collected.fresh,
  };
  const first = planInstance(input);
  const links = new Map<string, string>();
  const probeFailures: FailedFile[] = [];
  let final = first;
  if (first.probe.length > 0) {
    const sizes = new Map<string, number>();
    const probeFailed = new Set<string>();
    await scope.run(async () => {
      for (const log of first.probe) {
        try {
          const probed = await probe(dcs, target.id, log, ctx);
          sizes.set(log.id, probed.size);
          links.set(log.id, probed.link);
        } catch (error) {
          scope.noteFailure(error);
          if (failureKind(error) === 'fatal') throw error;
          probeFailed.add(log.id);
          probeFailures.push(failedFile(target.id, log, error, ctx.onEvent));
        }
      }
    });
    final = planInstance({ ...input, sizes, probeFailed });
  }
  for (const skip of final.skip) ctx.onEvent({ type: 'file-skipped', instanceId: target.id, ...skip });
  const skipCounts: Record<string, number> = {};
  for (const { reason } of final.skip) skipCounts[reason] = (skipCounts[reason] ?? 0) + 1;
  ctx.onEvent({ type: 'instance-planned', instanceId: target.id, archive: final.archive.length, skip: skipCounts, probes: first.probe.length });
  return { plan: final, links, probeFailures };
}

async function probe(dcs: DcsApi, instanceId: string, log: RunLog, ctx: InstanceContext): Promise<{ size: number; link: string }> {
  const link = await dcs.getDownloadLink(instanceId, log.id, ctx.scope.hard);
  return { size: await probeSize(link, ctx.transfer.download), link };
}

type FileOutcome = { archived: ArchivedFile; written: { key: string; stamped: StampedRecord } } | { failed: FailedFile } | { deferred: DeferredFile };

/** Transfer, then the record, in one slot of the limit: the object is proven, so its record is written even if a stop came meanwhile. */
async function archiveFile(dcs: DcsApi, instanceId: string, file: PlannedFile, link: string | undefined, ctx: InstanceContext): Promise<FileOutcome> {
  const compression = ctx.config.archive.compression;
  try {
    const { written, ms } = await ctx.scope.run(async () => {
      ctx.onEvent({ type: 'file-started', instanceId, fileName: file.log.fileName, logId: file.log.id });
      const started = performance.now();
      const transferred = await transferFile(file, { instanceId, compression }, { ...ctx.transfer, dcs }, link);
      const record = recordOf(file, transferred, { projectId: dcs.projectId, instanceId, runId: ctx.runId, compression, archivedAt: ctx.now() });
      return { written: await ctx.book.writeRecord(record), ms: Math.round(performance.now() - started) };
    });
    const { record } = written.stamped;
    const archived: ArchivedFile = {
      fileName: record.fileName,
      logId: record.logId,
      date: record.date,
      key: record.key,
      bytes: record.bytes,
      storedBytes: record.storedBytes,
      sha256: record.sha256,
      partial: record.partial,
      replaced: file.replaces !== undefined,
    };
    ctx.onEvent({ type: 'file-archived', instanceId, ...archived, ms, ...(record.events ? { events: record.events } : {}) });
    return { archived, written };
  } catch (error) {
    // Not started, or cut short (its upload aborted) by a signal: left for the next pass, not failed.
    if (isStop(error) && ctx.scope.stoppedBySignal()) return { deferred: { fileName: file.log.fileName, logId: file.log.id, date: file.log.date } };
    ctx.scope.noteFailure(error);
    return { failed: failedFile(instanceId, file.log, error, ctx.onEvent) };
  }
}

function failedFile(instanceId: string, log: RunLog, error: unknown, onEvent: EventSink): FailedFile {
  const failure = { fileName: log.fileName, logId: log.id, date: log.date, ...describeFailure(error) };
  onEvent({ type: 'file-failed', instanceId, ...failure });
  return failure;
}

function plannedEntry(file: PlannedFile) {
  return {
    fileName: file.log.fileName,
    logId: file.log.id,
    date: file.log.date,
    key: file.key,
    partial: file.partial,
    ...(file.replaces ? { replaces: file.replaces.logId } : {}),
  };
}
