import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import type { Config, InstanceRef } from './config/schema.js';
import { confirmedEmptyDays, planCollection, replicaTargets, RETENTION_DAYS, SINGLE_NODE, waitForCollection, type CollectionRequest } from './collect/collect.js';
import { computeCoverage } from './collect/coverage.js';
import type { DcsApi, RunLog, RunLogListing } from './dcs/types.js';
import { AbortedError, ArchiveError, errorMessage, failureKind, type FailureKind } from './errors.js';
import type { EventSink } from './events.js';
import { resolveTargets, type Target as DiscoveredTarget } from './discover.js';
import type { ProjectSource } from './wire.js';
import { planInstance, type Plan, type PlanInput } from './plan/planner.js';
import { recordKey, runReportKey } from './plan/keys.js';
import { loadInstanceRecords, rebuildManifest, type InstanceRecords } from './records/instance-records.js';
import { addDays, dayIn } from './plan/days.js';
import { identityOf, recordText, type ArchiveRecord, type EmptyDay } from './records/record.js';
import { summarise, type InstanceReport, type RunReport } from './records/report.js';
import type { RetryPolicy } from './retry.js';
import { inShard, type Shard } from './shard.js';
import type { BucketStore } from './store/store.js';
import { archiveFile, type TransferDeps } from './transfer/archive-file.js';
import { probeSize, type DownloadOptions } from './transfer/download.js';

export interface RunDeps {
  /** Each DCS project of the pass, with its client and how its instances are chosen. */
  projects: ProjectSource[];
  store: BucketStore;
  download: Omit<DownloadOptions, 'signal'>;
  retry: RetryPolicy;
  now: () => Date;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  onEvent: EventSink;
  /** Stop starting new work (graceful shutdown); work in flight goes on. */
  signal?: AbortSignal;
  /** Abort work in flight too (the grace period is over, or a second signal). */
  hardSignal?: AbortSignal;
  runId?: string;
  /** The redaction layer, applied to the run report before it is written. */
  scrub?: (text: string) => string;
}

export interface RunOptions {
  dryRun?: boolean;
  /** `--instance`: only these ids (configured names are kept). */
  only?: string[];
  /** Only this stable partition of the instances. */
  shard?: Shard;
}

/**
 * One pass over every configured instance: list, plan, transfer, record, manifest, report.
 * The only place where the stages are put in order; every entry point (one-shot, cron,
 * Kubernetes) calls this. All work shares one concurrency limit and never nests in it.
 */
export async function runOnce(config: Config, deps: RunDeps, options: RunOptions = {}): Promise<RunReport> {
  const started = deps.now();
  const runId = deps.runId ?? newRunId(started);
  const dryRun = options.dryRun ?? false;
  const limit = pLimit(config.archive.concurrency);

  // Fatal failures stop everything; a graceful stop only stops new work.
  const stopAll = new AbortController();
  const fatal: { error?: ArchiveError } = {};
  const stopNew = anySignal([deps.signal, stopAll.signal]);
  const hard = anySignal([deps.hardSignal, stopAll.signal]);
  // Every request in flight listens to these, up to the concurrency limit and beyond: not a leak.
  setMaxListeners(0, stopNew, hard);
  const onFatal = (error: unknown) => {
    if (failureKind(error) !== 'fatal' || fatal.error) return;
    fatal.error = error as ArchiveError;
    stopAll.abort();
  };
  const guarded = <T>(fn: () => Promise<T>, closing = false) =>
    limit(() => {
      // Closing work (records, manifest) runs even after a stop or a fatal error: what finished is listed.
      if (!closing && stopNew.aborted) throw new AbortedError(fatal.error ? 'stopped: the pass hit a fatal error' : 'stopped before it started: shutting down');
      return fn();
    });

  const transfer: Omit<TransferDeps, 'dcs'> = {
    store: deps.store,
    download: { ...deps.download, signal: hard },
    retry: deps.retry,
    sleep: deps.sleep,
    random: deps.random,
    now: deps.now,
    signal: hard,
    onEvent: deps.onEvent,
  };

  let reports: InstanceReport[] = [];
  let discoveryError: RunReport['discoveryError'];
  try {
    await checkStore(deps.store, hard);
    const candidates = await resolveTargets(
      deps.projects,
      (project, error) => {
        // The configured instances are still archived; the pass is not "ok".
        discoveryError = describe(error);
        deps.onEvent({ type: 'warning', message: `instance discovery in project ${project.dcs.projectId} failed, archiving its configured instances only: ${discoveryError.message}` });
      },
      hard,
    );
    const instances = inShard(selectInstances(candidates, options.only, deps.projects[0]), options.shard);
    deps.onEvent({ type: 'pass-started', runId, instances: instances.length, dryRun });
    // Each project's first instance goes alone: if its credentials are wrong, one request learns
    // it, not a burst (five bad signatures in a row lock the access key for five minutes).
    const firsts = new Map<ProjectSource, { done: Promise<void>; settle: () => void }>();
    for (const target of instances) {
      if (firsts.has(target.project)) continue;
      let settle = () => {};
      const done = new Promise<void>((resolve) => (settle = resolve));
      firsts.set(target.project, { done, settle });
    }
    const leaders = new Set([...firsts.keys()].map((project) => instances.find((t) => t.project === project)));
    const passFor = (target: Target): PassContext => ({
      config,
      deps,
      dcs: target.project.dcs,
      projectId: target.project.dcs.projectId,
      transfer: { ...transfer, dcs: target.project.dcs },
      runId,
      dryRun,
      guarded,
      onFatal,
      hard,
    });
    reports = await Promise.all(
      instances.map((target) => {
        const first = firsts.get(target.project)!;
        return leaders.has(target)
          ? processInstance(target, passFor(target), first.settle)
          : first.done.then(() => processInstance(target, passFor(target)));
      }),
    );
  } catch (error) {
    onFatal(error);
    if (!fatal.error) throw error;
  }

  const finished = deps.now();
  const { counts, skippedByReason } = summarise(reports);
  const report: RunReport = {
    schemaVersion: 1,
    runId,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    dryRun,
    result: fatal.error ? 'failed' : counts.failed > 0 || discoveryError ? 'partial' : 'ok',
    ...(fatal.error ? { error: describe(fatal.error) } : {}),
    ...(discoveryError ? { discoveryError } : {}),
    counts,
    skippedByReason,
    instances: reports,
  };
  if (!dryRun && !fatal.error?.reason.startsWith('store.')) {
    try {
      // Written even after a forced stop: it is what tells the user what happened.
      const text = `${JSON.stringify(report, null, 1)}\n`;
      await deps.store.put(runReportKey(runId), deps.scrub ? deps.scrub(text) : text, { contentType: 'application/json' });
    } catch (error) {
      deps.onEvent({ type: 'warning', message: `could not write the run report: ${errorMessage(error)}` });
    }
  }
  deps.onEvent({
    type: 'pass-finished',
    runId,
    result: report.result,
    archived: counts.archived,
    skipped: counts.skipped,
    failed: counts.failed,
    bytes: counts.bytes,
    ms: finished.getTime() - started.getTime(),
    daysAtRisk: counts.daysAtRisk,
    ...(report.error ? { error: report.error } : {}),
  });
  return report;
}

type Target = DiscoveredTarget<ProjectSource>;

/** What an instance's stages share: the pass, and the instance's own project. */
interface PassContext {
  config: Config;
  deps: RunDeps;
  dcs: DcsApi;
  transfer: TransferDeps;
  projectId: string;
  runId: string;
  dryRun: boolean;
  guarded: <T>(fn: () => Promise<T>, closing?: boolean) => Promise<T>;
  onFatal: (error: unknown) => void;
  hard: AbortSignal;
}

interface Prepared {
  plan: Plan;
  records: InstanceRecords;
  listing: RunLogListing;
  /** Replica keys to show in the coverage (empty when collection is off: learned from files). */
  replicaKeys: string[];
  /** Days this pass confirmed empty. */
  emptyDays: EmptyDay[];
}

async function processInstance(instance: InstanceRef, pass: PassContext, onPrepared?: () => void): Promise<InstanceReport> {
  const { deps, config } = pass;
  const report: InstanceReport = { instanceId: instance.id, ...(instance.name ? { name: instance.name } : {}), projectId: pass.projectId, archived: [], skipped: [], failed: [] };
  const failInstance = (error: unknown) => {
    pass.onFatal(error);
    report.error = describe(error);
    deps.onEvent({ type: 'instance-failed', instanceId: instance.id, ...report.error });
  };

  let prepared: Prepared;
  try {
    prepared = await prepare(instance, pass, report, onPrepared);
  } catch (error) {
    failInstance(error);
    return report;
  } finally {
    onPrepared?.();
  }
  const { plan, records } = prepared;
  for (const skip of plan.skip) {
    report.skipped.push(skip);
    deps.onEvent({ type: 'file-skipped', instanceId: instance.id, ...skip });
  }
  deps.onEvent({
    type: 'instance-planned',
    instanceId: instance.id,
    archive: plan.archive.length,
    skip: countBy(plan.skip.map((s) => s.reason)),
    probes: plan.probe.length,
  });
  if (records.problems.length > 0) report.recordProblems = records.problems;

  if (pass.dryRun) {
    report.planned = plan.archive.map((file) => ({
      fileName: file.log.fileName,
      logId: file.log.id,
      date: file.log.date,
      key: file.key,
      partial: file.partial,
      ...(file.replaces ? { replaces: file.replaces.logId } : {}),
    }));
    for (const log of plan.probe) {
      report.skipped.push({ fileName: log.fileName, logId: log.id, date: log.date, reason: 'superseded', detail: 'a dry run does not compare sizes of re-collections' });
    }
    return report;
  }

  const ctx = { projectId: pass.projectId, instanceId: instance.id, runId: pass.runId, compression: config.archive.compression };
  const written: ArchiveRecord[] = [];
  await Promise.all(
    plan.archive.map(async (file) => {
      try {
        const record = await pass.guarded(() => archiveFile(file, ctx, pass.transfer));
        written.push(record);
        report.archived.push({
          fileName: record.fileName,
          logId: record.logId,
          date: record.date,
          key: record.key,
          bytes: record.bytes,
          storedBytes: record.storedBytes,
          sha256: record.sha256,
          partial: record.partial,
          replaced: file.replaces !== undefined,
        });
      } catch (error) {
        pass.onFatal(error);
        const failure = { fileName: file.log.fileName, logId: file.log.id, date: file.log.date, ...describe(error) };
        report.failed.push(failure);
        deps.onEvent({ type: 'file-failed', instanceId: instance.id, ...failure });
      }
    }),
  );

  try {
    await pass.guarded(() => finish(instance, pass, prepared, written, report), true);
  } catch (error) {
    if (!(error instanceof AbortedError)) failInstance(error);
  }
  return report;
}

/**
 * Survey (listing, records, replicas; trigger collection), wait for collected files outside
 * the concurrency limit, then plan, probing sizes when the plan needs them to choose.
 */
async function prepare(instance: InstanceRef, pass: PassContext, report: InstanceReport, onSurveyed?: () => void): Promise<Prepared> {
  const { deps, config } = pass;
  const today = dayIn(deps.now(), config.schedule.timezone);
  const survey = await pass.guarded(async () => {
    const listing = await pass.dcs.listRunLogs(instance.id, pass.hard);
    const oldestListed = listing.logs.reduce((min, log) => (log.date < min ? log.date : min), today);
    const windowStart = addDays(today, -RETENTION_DAYS);
    const records = await loadInstanceRecords({
      store: deps.store,
      instanceId: instance.id,
      sinceDate: oldestListed < windowStart ? oldestListed : windowStart,
      signal: pass.hard,
    });
    if (!config.collect.enabled) return { listing, records, targets: [], requests: [] };
    const targets = replicaTargets(await pass.dcs.listReplicas(instance.id, pass.hard));
    const requests = planCollection({ targets, records: records.byIdentity.values(), emptyDays: records.emptyDays, today, includeOpenDay: config.archive.includeOpenDay });
    const triggered: CollectionRequest[] = [];
    report.collection = [];
    for (const request of requests) {
      const entry = { replica: request.replica.key, period: request.period, days: request.days };
      if (pass.dryRun) {
        report.collection.push({ ...entry, result: 'would-trigger' });
        continue;
      }
      try {
        await pass.dcs.collectRunLogs(instance.id, request.period, request.replica.replicationId, pass.hard);
        report.collection.push({ ...entry, result: 'triggered' });
        triggered.push(request);
      } catch (error) {
        if (failureKind(error) === 'fatal') throw error;
        report.collection.push({ ...entry, result: 'failed', ...describe(error) });
        deps.onEvent({ type: 'warning', instanceId: instance.id, message: `collection for replica ${request.replica.key} failed: ${errorMessage(error)}` });
      }
    }
    return { listing, records, targets, requests: triggered };
  });
  onSurveyed?.();

  let { listing } = survey;
  let fresh = new Set<string>();
  const emptyDays: EmptyDay[] = [];
  if (survey.requests.length > 0) {
    const waited = await waitForCollection({
      dcs: pass.dcs,
      instanceId: instance.id,
      before: new Set(listing.logs.map((log) => log.id)),
      replicas: survey.requests.map((r) => r.replica),
      waitMs: config.collect.waitSeconds * 1000,
      now: deps.now,
      sleep: deps.sleep,
      signal: pass.hard,
      list: (fn) => pass.guarded(fn),
    });
    listing = waited.listing;
    fresh = waited.fresh;
    if (waited.timedOut) {
      report.collectionTimedOut = true;
      deps.onEvent({ type: 'warning', instanceId: instance.id, message: `collected files were not all ready within collect.waitSeconds (${config.collect.waitSeconds} s); archiving what is ready` });
    } else {
      const confirmedAt = deps.now().toISOString();
      for (const day of confirmedEmptyDays(survey.requests, listing.logs, today)) emptyDays.push({ ...day, confirmedAt, runId: pass.runId });
    }
  }

  const replicaKeys = survey.targets.map((t) => t.key);
  const input: PlanInput = {
    projectId: pass.projectId,
    instance,
    logs: listing.logs,
    malformed: listing.malformed,
    records: survey.records.byIdentity,
    now: deps.now(),
    timeZone: config.schedule.timezone,
    includeOpenDay: config.archive.includeOpenDay,
    keyTemplate: config.archive.keyTemplate,
    compression: config.archive.compression,
    sizes: new Map(),
    fresh,
  };
  const firstPlan = planInstance(input);
  const done = { records: survey.records, listing, replicaKeys, emptyDays };
  if (firstPlan.probe.length === 0 || pass.dryRun) return { plan: firstPlan, ...done };

  const plan = await pass.guarded(async () => {
    const sizes = new Map<string, number>();
    const probeFailed = new Set<string>();
    for (const log of firstPlan.probe) {
      try {
        sizes.set(log.id, await probe(instance.id, log, pass));
      } catch (error) {
        pass.onFatal(error);
        if (failureKind(error) === 'fatal') throw error;
        probeFailed.add(log.id);
        const failure = { fileName: log.fileName, logId: log.id, date: log.date, ...describe(error) };
        report.failed.push(failure);
        deps.onEvent({ type: 'file-failed', instanceId: instance.id, ...failure });
      }
    }
    return planInstance({ ...input, sizes, probeFailed });
  });
  return { plan, ...done };
}

async function probe(instanceId: string, log: RunLog, pass: PassContext): Promise<number> {
  const link = await pass.dcs.getDownloadLink(instanceId, log.id, pass.hard);
  return probeSize(link, pass.transfer.download);
}

/**
 * Remember re-collections seen to be no larger (and whether they prove the file complete),
 * rebuild the manifest if anything changed, and work out the instance's coverage.
 */
async function finish(instance: InstanceRef, pass: PassContext, prepared: Prepared, written: ArchiveRecord[], report: InstanceReport): Promise<void> {
  const { deps } = pass;
  const known = new Map(prepared.records.byIdentity);
  for (const { record, logIds, complete } of prepared.plan.acknowledge) {
    const updated: ArchiveRecord = { ...record, knownLogIds: [...new Set([...record.knownLogIds, ...logIds])], complete: record.complete || complete };
    await deps.store.put(recordKey(record.instanceId, record.date, record.fileName), recordText(updated), {
      contentType: 'application/json',
    });
    known.set(identityOf(updated), updated);
  }
  for (const record of written) known.set(identityOf(record), record);
  const today = dayIn(deps.now(), pass.config.schedule.timezone);
  const windowStart = addDays(today, -RETENTION_DAYS);
  // Confirmed empty days leave the manifest once DCS no longer keeps them.
  const emptyDays = [...prepared.records.emptyDays, ...prepared.emptyDays].filter((d) => d.date >= windowStart);
  const emptyChanged = emptyDays.length !== prepared.records.emptyDays.length;
  if (!pass.dryRun && (prepared.records.stale || written.length > 0 || prepared.plan.acknowledge.length > 0 || emptyChanged)) {
    // Not tied to the abort signal: after a shutdown the files that did finish are still listed.
    await rebuildManifest({ store: deps.store, projectId: pass.projectId, instanceId: instance.id, stamped: prepared.records.stamped, emptyDays, now: deps.now() });
  }
  if (prepared.emptyDays.length > 0) report.emptyDaysConfirmed = prepared.emptyDays.map((d) => ({ replica: d.replica, date: d.date }));
  const coverage = computeCoverage({ instanceId: instance.id, replicas: prepared.replicaKeys, records: known.values(), emptyDays, logs: prepared.listing.logs, today });
  report.coverage = coverage;
  for (const { replica, date } of coverage.atRisk) {
    deps.onEvent({ type: 'day-at-risk', instanceId: instance.id, replica, date });
  }
  const current = new Set(prepared.replicaKeys);
  if (current.size > 0 && !current.has(SINGLE_NODE)) {
    for (const row of coverage.replicas) {
      if (!current.has(row.replica)) deps.onEvent({ type: 'warning', instanceId: instance.id, message: `replica ${row.replica} is no longer listed (failover or scale-in); its days stay in the coverage` });
    }
  }
}

/** `--instance`: those ids only; one not found in any project is taken from the first project. */
function selectInstances(candidates: Target[], only: string[] | undefined, fallback: ProjectSource | undefined): Target[] {
  if (!only || only.length === 0) return candidates;
  const byId = new Map(candidates.map((target) => [target.id, target]));
  return [...new Set(only)].flatMap((id) => byId.get(id) ?? (fallback ? [{ id, name: undefined, project: fallback }] : []));
}

/** A destination that cannot be reached at the start of a pass is fatal for it, whatever the cause. */
async function checkStore(store: BucketStore, signal: AbortSignal): Promise<void> {
  try {
    await store.check(signal);
  } catch (error) {
    if (error instanceof ArchiveError && error.kind === 'fatal') throw error;
    throw new ArchiveError('fatal', error instanceof ArchiveError ? error.reason : 'store.unreachable', `the destination ${store.location} cannot be used: ${errorMessage(error)}`, { cause: error });
  }
}

function describe(error: unknown): { kind: FailureKind; reason: string; message: string } {
  if (error instanceof AbortedError || (error as Error)?.name === 'AbortError') return { kind: 'file', reason: 'stopped', message: (error as Error).message };
  if (error instanceof ArchiveError) return { kind: error.kind, reason: error.reason, message: error.message };
  return { kind: 'file', reason: 'unexpected', message: errorMessage(error) };
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

function anySignal(signals: Array<AbortSignal | undefined>): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
}

export function newRunId(at: Date): string {
  return `${at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}
