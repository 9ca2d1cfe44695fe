import type { DcsEvent } from './dcs/events.js';
import type { FailureInfo } from './errors.js';
import type { SkipReason } from './plan/planner.js';
import type { EventCounts } from './redis-log/tally.js';

/**
 * How a pass ended. ok: everything planned was archived; partial: some file or instance failed;
 * failed: a fatal failure stopped the pass; stopped: a signal stopped it and nothing failed
 * (what is left is deferred to the next pass).
 */
export type PassResult = 'ok' | 'partial' | 'failed' | 'stopped';

/**
 * What the core tells the edge. The core never logs: the CLI turns these into log lines,
 * metrics and progress; tests record them. No event ever carries a secret or a link.
 */
export type ArchiverEvent =
  /** The pass waits for the destination's answer (location without credentials), at most `deadlineMs` when bounded. */
  | { type: 'store-check-started'; location: string; deadlineMs?: number }
  /** The start check answered (or gave up): the wait for the destination is over. */
  | { type: 'store-check-finished'; location: string; ok: boolean }
  | { type: 'pass-started'; runId: string; instances: number; dryRun: boolean }
  /** An instance's first stage began (its listing and records are read); the name is the configured or discovered one. */
  | { type: 'instance-started'; instanceId: string; instanceName?: string }
  /** The instance's listing and records are read. */
  | { type: 'instance-surveyed'; instanceId: string; listed: number }
  /** Collection was triggered for these replicas; the instance now waits (bounded) for their files. */
  | { type: 'collection-wait-started'; instanceId: string; replicas: number; waitSeconds: number }
  | { type: 'collection-wait-finished'; instanceId: string; timedOut: boolean }
  | { type: 'instance-planned'; instanceId: string; archive: number; skip: Record<string, number>; probes: number }
  | ({ type: 'instance-failed'; instanceId: string } & FailureInfo)
  | {
      type: 'file-archived';
      instanceId: string;
      fileName: string;
      logId: string;
      key: string;
      bytes: number;
      storedBytes: number;
      sha256: string;
      ms: number;
      partial: boolean;
      replaced: boolean;
      /** The Redis events counted in the file's bytes (its record's `events`). */
      events?: EventCounts;
    }
  | ({ type: 'file-failed'; instanceId: string; fileName: string; logId: string } & FailureInfo)
  | { type: 'file-skipped'; instanceId: string; fileName: string; logId: string; date: string; reason: SkipReason; detail?: string }
  /** `scope` names what is retried; `instanceId` the instance it belongs to, when one does. */
  | { type: 'retry'; scope: string; attempt: number; delayMs: number; reason: string; instanceId?: string }
  /** A file's transfer took its slot of the concurrency limit; its bytes follow as `file-bytes`. */
  | { type: 'file-started'; instanceId: string; fileName: string; logId: string }
  | { type: 'file-bytes'; instanceId: string; fileName: string; bytes: number }
  /** Discovery failed in a project: its configured instances are still archived. */
  | { type: 'discovery-failed'; projectId: string; failure: FailureInfo }
  /** The groups call failed: nothing is collected for the instance, its listed files are still archived. */
  | { type: 'replicas-failed'; instanceId: string; failure: FailureInfo }
  | { type: 'collection-failed'; instanceId: string; replica: string; failure: FailureInfo }
  /** Collected files were not all ready within collect.waitSeconds; what is ready is archived. */
  | { type: 'collection-timed-out'; instanceId: string; waitSeconds: number }
  /** A replica with days in the coverage is no longer listed (failover or scale-in). */
  | { type: 'replica-gone'; instanceId: string; replica: string }
  | { type: 'run-report-failed'; failure: FailureInfo }
  /** A signal stopped the pass: these files (of these instances, and the instances not started) are left for the next one. */
  | { type: 'pass-deferred'; files: number; instancesNotStarted: number }
  /** Something the DCS client noticed and worked around (paging, malformed items). */
  | { type: 'dcs-notice'; notice: Exclude<DcsEvent, { type: 'dcs.retry' }> }
  /** DCS answered 429: the shared request rate was lowered to this. */
  | { type: 'rate-lowered'; ratePerSecond: number }
  /** Nothing is archived for this replica and day, and DCS deletes it within 2 days. */
  | { type: 'day-at-risk'; instanceId: string; replica: string; date: string }
  | {
      type: 'pass-finished';
      runId: string;
      result: PassResult;
      archived: number;
      skipped: number;
      failed: number;
      deferred: number;
      bytes: number;
      ms: number;
      daysAtRisk: number;
      /** Why the pass stopped, when it did. */
      error?: FailureInfo;
    };

export type EventSink = (event: ArchiverEvent) => void;
