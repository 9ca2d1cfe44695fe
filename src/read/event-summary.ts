/**
 * The `events --summary` table: per instance × replica × kind, how many and the earliest and
 * latest time, added up from per-file counts (a record's `events`, or a tally of its object).
 * Pure, so the adding up is tested without a bucket.
 */
import { EVENT_KINDS, type RedisEventKind } from '../redis-log/events.js';
import type { EventCounts } from '../redis-log/tally.js';
import type { ArchivedFile } from './select.js';

export interface SummaryRow {
  instanceId: string;
  instanceName: string | null;
  replicationIp: string;
  kind: RedisEventKind;
  count: number;
  first: string;
  last: string;
}

const KIND_ORDER = new Map<string, number>(EVENT_KINDS.map((kind, index) => [kind, index]));

export class EventSummary {
  private readonly rows = new Map<string, SummaryRow>();

  /** `kinds`: only these (all when undefined). */
  constructor(private readonly kinds?: ReadonlySet<RedisEventKind>) {}

  add(file: ArchivedFile, counts: EventCounts): void {
    const { record } = file;
    for (const [kind, seen] of Object.entries(counts) as Array<[RedisEventKind, NonNullable<EventCounts[RedisEventKind]>]>) {
      if (this.kinds && !this.kinds.has(kind)) continue;
      const key = JSON.stringify([record.instanceId, record.replicationIp, kind]);
      const row = this.rows.get(key);
      if (!row) {
        this.rows.set(key, { instanceId: record.instanceId, instanceName: file.instanceName ?? null, replicationIp: record.replicationIp, kind, ...seen });
        continue;
      }
      row.count += seen.count;
      // ISO-8601 UTC strings of one length compare as their times do.
      if (seen.first < row.first) row.first = seen.first;
      if (seen.last > row.last) row.last = seen.last;
    }
  }

  /** Instance, replica, then kind in EVENT_KINDS order. */
  result(): SummaryRow[] {
    return [...this.rows.values()].sort(
      (a, b) => a.instanceId.localeCompare(b.instanceId) || a.replicationIp.localeCompare(b.replicationIp) || KIND_ORDER.get(a.kind)! - KIND_ORDER.get(b.kind)!,
    );
  }
}

/** A file's counts from its events as read (when a time window narrows them, the record's counts do not fit). */
export function countEvents(events: Iterable<{ kind: RedisEventKind; timeMs: number }>): EventCounts {
  const found = new Map<RedisEventKind, { count: number; firstMs: number; lastMs: number }>();
  for (const { kind, timeMs } of events) {
    const seen = found.get(kind);
    if (!seen) found.set(kind, { count: 1, firstMs: timeMs, lastMs: timeMs });
    else {
      seen.count += 1;
      seen.firstMs = Math.min(seen.firstMs, timeMs);
      seen.lastMs = Math.max(seen.lastMs, timeMs);
    }
  }
  const out: EventCounts = {};
  for (const [kind, { count, firstMs, lastMs }] of found) out[kind] = { count, first: new Date(firstMs).toISOString(), last: new Date(lastMs).toISOString() };
  return out;
}

/** The table as text: one row per line, `instance/replica kind count first last`. */
export function summaryText(rows: readonly SummaryRow[]): string {
  return rows.map((row) => `${row.instanceName ?? row.instanceId}/${row.replicationIp || 'node'} ${row.kind} ${row.count} ${row.first} ${row.last}\n`).join('');
}

/** The `--summary --json` document. */
export function summaryJson(rows: readonly SummaryRow[]): string {
  return `${JSON.stringify({ events: rows }, null, 2)}\n`;
}
