import type { SkipReason } from './plan/planner.js';
import type { FailureKind } from './errors.js';

/**
 * What the core tells the edge. The core never logs: the CLI turns these into log lines,
 * metrics and progress; tests record them. No event ever carries a secret or a link.
 */
export type ArchiverEvent =
  | { type: 'pass-started'; runId: string; instances: number; dryRun: boolean }
  | { type: 'instance-planned'; instanceId: string; archive: number; skip: Record<string, number>; probes: number }
  | { type: 'instance-failed'; instanceId: string; kind: FailureKind; reason: string; message: string }
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
    }
  | { type: 'file-failed'; instanceId: string; fileName: string; logId: string; kind: FailureKind; reason: string; message: string }
  | { type: 'file-skipped'; instanceId: string; fileName: string; logId: string; date: string; reason: SkipReason; detail?: string }
  | { type: 'retry'; scope: string; attempt: number; delayMs: number; reason: string }
  | { type: 'file-bytes'; instanceId: string; fileName: string; bytes: number }
  | { type: 'warning'; message: string; instanceId?: string }
  /** DCS answered 429: the shared request rate was lowered to this. */
  | { type: 'rate-lowered'; ratePerSecond: number }
  /** Nothing is archived for this replica and day, and DCS deletes it within 2 days. */
  | { type: 'day-at-risk'; instanceId: string; replica: string; date: string }
  | {
      type: 'pass-finished';
      runId: string;
      result: 'ok' | 'partial' | 'failed';
      archived: number;
      skipped: number;
      failed: number;
      bytes: number;
      ms: number;
      daysAtRisk: number;
      /** Why the pass stopped, when it did. */
      error?: { kind: FailureKind; reason: string; message: string };
    };

export type EventSink = (event: ArchiverEvent) => void;
