import { randomBytes } from 'node:crypto';
import { dayIn } from '../calendar.js';
import type { Config } from '../config/schema.js';
import { describeFailure, type FailureInfo } from '../errors.js';
import type { EventSink } from '../events.js';
import { createBook } from '../records/book.js';
import { settingsProbeKey } from '../records/layout.js';
import { buildRunReport, type InstanceReport, type RunReport } from '../records/run-report.js';
import type { RetryPolicy } from '../retry.js';
import type { BucketStore } from '../store/store.js';
import type { DownloadOptions } from '../transfer/download.js';
import { checkDestination } from './destination-check.js';
import { archiveInstance, type InstanceContext } from './instance.js';
import { createPassScope } from './scope.js';
import type { Shard } from './shard.js';
import { inCanaryOrder, resolveTargets, selectTargets, type ProjectSource } from './targets.js';

export interface PassDeps {
  /** Each DCS project of the pass, with its client and how its instances are chosen. */
  projects: ProjectSource[];
  store: BucketStore;
  download: Omit<DownloadOptions, 'signal'>;
  /** The one retry policy, for transfers and every bucket write. */
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

export interface PassOptions {
  /** Plan and report, reading only: no object, record, manifest or report is written, no collection triggered. */
  dryRun?: boolean;
  /** `--instance`: only these ids. */
  only?: string[];
  /** Only this stable partition of the instances. */
  shard?: Shard;
}

/**
 * One pass: choose the instances → check the bucket → each instance's stages (one concurrency
 * limit, each project's first instance alone) → the run report. Every entry point calls this.
 */
export async function runOnce(config: Config, deps: PassDeps, options: PassOptions = {}): Promise<RunReport> {
  const startedAt = deps.now();
  const runId = deps.runId ?? newRunId(startedAt);
  const dryRun = options.dryRun ?? false;
  const { onEvent } = deps;
  const scope = createPassScope({ concurrency: config.archive.concurrency, ...(deps.signal ? { signal: deps.signal } : {}), ...(deps.hardSignal ? { hardSignal: deps.hardSignal } : {}) });
  const book = createBook({
    store: deps.store,
    retry: deps.retry,
    sleep: deps.sleep,
    random: deps.random,
    signal: scope.hard,
    onRetry: (retry) => onEvent({ type: 'retry', ...retry }),
    ...(deps.scrub ? { scrub: deps.scrub } : {}),
    retentionDays: config.destination.retentionDays,
  });
  const ctx: InstanceContext = {
    config,
    scope,
    book,
    transfer: {
      store: deps.store,
      download: { ...deps.download, signal: scope.hard },
      retry: deps.retry,
      sleep: deps.sleep,
      random: deps.random,
      signal: scope.hard,
      onEvent,
    },
    runId,
    // One "today" for the whole pass: a pass that crosses midnight plans every instance alike.
    today: dayIn(startedAt, config.schedule.timezone),
    now: deps.now,
    dryRun,
    onEvent,
  };

  let instances: InstanceReport[] = [];
  let discoveryError: FailureInfo | undefined;
  try {
    const candidates = await resolveTargets(
      deps.projects,
      (project, error) => {
        // The configured instances are still archived; the pass is not "ok".
        discoveryError = describeFailure(error);
        onEvent({ type: 'discovery-failed', projectId: project.dcs.projectId, failure: discoveryError });
      },
      scope.hard,
    );
    // Before the bucket is touched: without discovery, a mistyped --instance costs no request.
    const targets = selectTargets(candidates, { only: options.only, shard: options.shard });
    await checkDestination(deps.store, scope.hard, onEvent, dryRun ? undefined : settingsProbeKey(runId));
    onEvent({ type: 'pass-started', runId, instances: targets.length, dryRun });
    // Twice the limit open: the limit stays busy while instances move between stages, and a pass
    // over 10,000 instances holds a few dozen instances' listings and records, not all of them.
    instances = await inCanaryOrder(targets, (target, ready) => archiveInstance(target, ctx, ready), { open: 2 * config.archive.concurrency });
  } catch (error) {
    scope.noteFailure(error);
    if (!scope.fatal()) throw error;
  }

  const fatal = scope.fatal();
  const finishedAt = deps.now();
  const stopped = scope.stoppedBySignal();
  const report = buildRunReport({ runId, startedAt, finishedAt, dryRun, instances, fatal: fatal && describeFailure(fatal), discoveryError, stopped, shard: options.shard });
  // Written even after a forced stop (it tells what happened), but not to a bucket that is what failed.
  if (!dryRun && fatal?.source !== 'store') {
    await book.writeRunReport(report).catch((error: unknown) => onEvent({ type: 'run-report-failed', failure: describeFailure(error) }));
  }
  const { counts } = report;
  const notStarted = instances.filter((i) => i.notStarted).length;
  if (stopped && (counts.deferred > 0 || notStarted > 0)) onEvent({ type: 'pass-deferred', files: counts.deferred, instancesNotStarted: notStarted });
  onEvent({
    type: 'pass-finished',
    runId,
    result: report.result,
    archived: counts.archived,
    skipped: counts.skipped,
    failed: counts.failed,
    deferred: counts.deferred,
    bytes: counts.bytes,
    ms: finishedAt.getTime() - startedAt.getTime(),
    daysAtRisk: counts.daysAtRisk,
    ...(report.error ? { error: report.error } : {}),
  });
  return report;
}

/**
 * The UTC start time to the millisecond, then a random suffix: run reports' keys sort in start
 * order, also for two passes that start within one second (a one-shot pass right after a
 * scheduled one). Ids of whole seconds (`20261114T031700Z-1a2b3c`) from earlier versions sort
 * among them by their second.
 */
export function newRunId(at: Date): string {
  return `${at.toISOString().replace(/[-:]/g, '')}-${randomBytes(3).toString('hex')}`;
}
