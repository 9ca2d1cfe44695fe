import type { FailureKind } from '../errors.js';
import type { SkipReason } from '../plan/planner.js';
import type { InstanceCoverage } from '../collect/coverage.js';
import { SCHEMA_VERSION } from './record.js';

/** `runs/{runId}.json`: what one pass did, per instance. */
export interface RunReport {
  schemaVersion: typeof SCHEMA_VERSION;
  runId: string;
  startedAt: string;
  finishedAt: string;
  dryRun: boolean;
  /** ok: everything planned was archived; partial: some file or instance failed; failed: the pass stopped. */
  result: 'ok' | 'partial' | 'failed';
  /** Why the pass stopped, when it did. */
  error?: { kind: FailureKind; reason: string; message: string };
  /** Instance discovery failed: only the configured instances were archived. */
  discoveryError?: { kind: FailureKind; reason: string; message: string };
  counts: { instances: number; archived: number; skipped: number; failed: number; bytes: number; storedBytes: number; daysAtRisk: number };
  skippedByReason: Partial<Record<SkipReason, number>>;
  instances: InstanceReport[];
}

export interface InstanceReport {
  instanceId: string;
  name?: string;
  projectId: string;
  archived: Array<{ fileName: string; logId: string; date: string; key: string; bytes: number; storedBytes: number; sha256: string; partial: boolean; replaced: boolean }>;
  skipped: Array<{ fileName: string; logId: string; date: string; reason: SkipReason; detail?: string }>;
  failed: Array<{ fileName: string; logId: string; date: string; kind: FailureKind; reason: string; message: string }>;
  /** The instance as a whole could not be processed (listing failed, records unreadable). */
  error?: { kind: FailureKind; reason: string; message: string };
  /** Would be done, in a dry run. */
  planned?: Array<{ fileName: string; logId: string; date: string; key: string; partial: boolean; replaces?: string }>;
  /** Records that could not be read (their files are archived again). */
  recordProblems?: string[];
  /** Collection triggered per replica: the period asked for, the days it is for, and how it went. */
  collection?: Array<{ replica: string; period: number; days: string[]; result: 'triggered' | 'failed' | 'would-trigger'; kind?: FailureKind; reason?: string; message?: string }>;
  /** The collected files were not all ready within collect.waitSeconds. */
  collectionTimedOut?: boolean;
  /** Days this pass collected that produced no file. */
  emptyDaysConfirmed?: Array<{ replica: string; date: string }>;
  /** The replica × day picture of the retention window after this pass. */
  coverage?: InstanceCoverage;
}

export function summarise(instances: InstanceReport[]): Pick<RunReport, 'counts' | 'skippedByReason'> {
  const counts = { instances: instances.length, archived: 0, skipped: 0, failed: 0, bytes: 0, storedBytes: 0, daysAtRisk: 0 };
  const skippedByReason: Partial<Record<SkipReason, number>> = {};
  for (const instance of instances) {
    counts.archived += instance.archived.length;
    counts.skipped += instance.skipped.length;
    // A replica whose collection failed may lose days: it counts as a failure of its instance.
    counts.failed += instance.failed.length + (instance.error ? 1 : 0) + (instance.collection ?? []).filter((c) => c.result === 'failed').length;
    for (const file of instance.archived) {
      counts.bytes += file.bytes;
      counts.storedBytes += file.storedBytes;
    }
    for (const file of instance.skipped) skippedByReason[file.reason] = (skippedByReason[file.reason] ?? 0) + 1;
    counts.daysAtRisk += instance.coverage?.atRisk.length ?? 0;
  }
  return { counts, skippedByReason };
}
