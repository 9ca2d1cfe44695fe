import type { CollectionEntry } from '../collect/collect-instance.js';
import type { InstanceCoverage } from '../collect/coverage.js';
import type { FailureInfo } from '../errors.js';
import type { PassResult } from '../events.js';
import type { SkipReason } from '../plan/planner.js';
import { SCHEMA_VERSION } from './record.js';

/** `runs/{runId}.json`: what one pass did, per instance. */
export interface RunReport {
  schemaVersion: typeof SCHEMA_VERSION;
  runId: string;
  startedAt: string;
  finishedAt: string;
  dryRun: boolean;
  result: PassResult;
  /** The partition of the instances this pass took (`--shard I/N`); absent for all of them. */
  shard?: ReportShard;
  /** Why the pass stopped, when it did. */
  error?: FailureInfo;
  /** Instance discovery failed: only the configured instances were archived. */
  discoveryError?: FailureInfo;
  counts: { instances: number; archived: number; skipped: number; failed: number; deferred: number; bytes: number; storedBytes: number; daysAtRisk: number };
  skippedByReason: Partial<Record<SkipReason, number>>;
  instances: InstanceReport[];
}

/** `--shard I/N` as the report records it (the same shape as the pass's own). */
export interface ReportShard {
  index: number;
  count: number;
}

/** A file a stop left for the next pass: not started, or cut short in flight (its upload aborted). */
export interface DeferredFile {
  fileName: string;
  logId: string;
  date: string;
}

export interface ArchivedFile {
  fileName: string;
  logId: string;
  date: string;
  key: string;
  bytes: number;
  storedBytes: number;
  sha256: string;
  partial: boolean;
  replaced: boolean;
}

export interface SkippedEntry {
  fileName: string;
  logId: string;
  date: string;
  reason: SkipReason;
  detail?: string;
}

export type FailedFile = { fileName: string; logId: string; date: string } & FailureInfo;

export interface PlannedEntry {
  fileName: string;
  logId: string;
  date: string;
  key: string;
  partial: boolean;
  replaces?: string;
}

export interface InstanceReport {
  instanceId: string;
  name?: string;
  projectId: string;
  archived: ArchivedFile[];
  skipped: SkippedEntry[];
  failed: FailedFile[];
  /** Left for the next pass by a stop. */
  deferred?: DeferredFile[];
  /** A stop came before the instance's files were planned: the next pass takes all of it. */
  notStarted?: true;
  /** The instance as a whole could not be processed (listing failed, records unreadable). */
  error?: FailureInfo;
  /** Would be archived, in a dry run. */
  planned?: PlannedEntry[];
  /** Records that could not be read (their files are archived again). */
  recordProblems?: string[];
  /** The groups call failed: nothing was collected for this instance, its listed files were archived. */
  replicasError?: FailureInfo;
  /** Collection triggered per replica: the period asked for, the days it is for, and how it went. */
  collection?: CollectionEntry[];
  /** The collected files were not all ready within collect.waitSeconds. */
  collectionTimedOut?: boolean;
  /** Days this pass collected that produced no file. */
  emptyDaysConfirmed?: Array<{ replica: string; date: string }>;
  /** The replica × day picture of the retention window after this pass. */
  coverage?: InstanceCoverage;
}

/** Failures of an instance that may lose days: its files, the instance itself, its preparation. */
export function failuresOf(instance: InstanceReport): number {
  const collection = (instance.collection ?? []).filter((c) => c.result === 'failed').length;
  return instance.failed.length + (instance.error ? 1 : 0) + (instance.replicasError ? 1 : 0) + collection;
}

/** The run report, assembled from what every instance's stages returned. */
export function buildRunReport(input: {
  runId: string;
  startedAt: Date;
  finishedAt: Date;
  dryRun: boolean;
  instances: InstanceReport[];
  fatal?: FailureInfo | undefined;
  discoveryError?: FailureInfo | undefined;
  /** A signal stopped the pass. */
  stopped?: boolean;
  shard?: ReportShard | undefined;
}): RunReport {
  const counts = { instances: input.instances.length, archived: 0, skipped: 0, failed: 0, deferred: 0, bytes: 0, storedBytes: 0, daysAtRisk: 0 };
  const skippedByReason: Partial<Record<SkipReason, number>> = {};
  for (const instance of input.instances) {
    counts.archived += instance.archived.length;
    counts.skipped += instance.skipped.length;
    counts.failed += failuresOf(instance);
    counts.deferred += instance.deferred?.length ?? 0;
    for (const file of instance.archived) {
      counts.bytes += file.bytes;
      counts.storedBytes += file.storedBytes;
    }
    for (const file of instance.skipped) skippedByReason[file.reason] = (skippedByReason[file.reason] ?? 0) + 1;
    counts.daysAtRisk += instance.coverage?.atRisk.length ?? 0;
  }
  return {
    schemaVersion: SCHEMA_VERSION,
    runId: input.runId,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    dryRun: input.dryRun,
    ...(input.shard ? { shard: { index: input.shard.index, count: input.shard.count } } : {}),
    // A stop that left nothing undone is a pass like any other.
    result: input.fatal ? 'failed' : counts.failed > 0 || input.discoveryError ? 'partial' : input.stopped && (counts.deferred > 0 || input.instances.some((i) => i.notStarted)) ? 'stopped' : 'ok',
    ...(input.fatal ? { error: input.fatal } : {}),
    ...(input.discoveryError ? { discoveryError: input.discoveryError } : {}),
    counts,
    skippedByReason,
    instances: input.instances,
  };
}
