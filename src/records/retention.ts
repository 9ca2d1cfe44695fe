import { addDays } from '../calendar.js';
import type { ArchiveRecord } from './record.js';

/**
 * `destination.retentionDays`: how long archived logs are kept when a bucket lifecycle rule
 * expires them (null: forever). A lifecycle rule counts days from the object's creation, which is
 * the record's `archivedAt` (the record is written right after its object), so a record is past
 * retention once it was archived more than that many days ago. Before that, its object must be
 * there; after, it may be gone, and that is the policy working, not a loss.
 */
export type RetentionDays = number | null;

const DAY_MS = 86_400_000;

export function pastRetention(record: Pick<ArchiveRecord, 'archivedAt'>, now: Date, retentionDays: RetentionDays): boolean {
  if (retentionDays === null) return false;
  const archivedAt = Date.parse(record.archivedAt);
  return Number.isFinite(archivedAt) && now.getTime() - archivedAt > retentionDays * DAY_MS;
}

/** The oldest day still kept (null retention: none is dropped): days before it are not expected in the bucket. */
export function oldestKeptDay(today: string, retentionDays: RetentionDays): string | undefined {
  return retentionDays === null ? undefined : addDays(today, -retentionDays);
}
