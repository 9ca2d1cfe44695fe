import type { RunLog } from '../dcs/types.js';
import { addDays, daysBetween } from '../calendar.js';
import type { ArchiveRecord, EmptyDay } from '../records/record.js';
import { oldestKeptDay, type RetentionDays } from '../records/retention.js';
import { belongsTo, RETENTION_DAYS, SINGLE_NODE } from './collect.js';

/**
 * archived: a final file is kept; partial: only a file of the day while it was open;
 * empty: collected after the day ended and there was no file; missing: nothing kept yet;
 * at-risk: missing, and DCS deletes the day within 2 days; open: today, still being written.
 */
export type DayState = 'archived' | 'partial' | 'empty' | 'missing' | 'at-risk' | 'open';

export interface InstanceCoverage {
  instanceId: string;
  /** Oldest first; the last one is today. */
  days: string[];
  replicas: Array<{ replica: string; states: DayState[] }>;
  atRisk: Array<{ replica: string; date: string }>;
  /**
   * Days between the last one kept before the window and the window that were never archived:
   * DCS has deleted them (downtime longer than its retention). Days past
   * `destination.retentionDays` are left out: the bucket is not expected to keep them.
   */
  lost: Array<{ replica: string; date: string }>;
  /** Replicas this pass could not collect (their collect call failed, or the groups call did): their open days may stay missing. */
  notCollected?: string[];
}

/** Days DCS deletes within this many days are "at risk". */
const AT_RISK_WITHIN_DAYS = 2;

/** Pure: the replica × day picture of the retention window from records, confirmed empty days and the listing. */
export function computeCoverage(input: {
  instanceId: string;
  /** Replica keys (IPs, or `node` for a single node). */
  replicas: string[];
  records: Iterable<ArchiveRecord>;
  emptyDays: EmptyDay[];
  logs: RunLog[];
  today: string;
  /** Replica keys whose collection failed; `all` when the replicas themselves could not be learned. */
  notCollected?: string[] | 'all';
  /** `destination.retentionDays` (at least 8, so never inside DCS's 7-day window); null or omitted: forever. */
  retentionDays?: RetentionDays;
}): InstanceCoverage {
  const days = Array.from({ length: RETENTION_DAYS + 1 }, (_, i) => addDays(input.today, i - RETENTION_DAYS));
  const records = [...input.records];
  const keys = new Set(input.replicas);
  const single = keys.has(SINGLE_NODE);
  if (!single) {
    // Replicas that are gone still have days to account for.
    for (const record of records) if (days.includes(record.date)) keys.add(record.replicationIp);
    for (const log of input.logs) if (days.includes(log.date)) keys.add(log.replicationIp);
  }
  const atRisk: InstanceCoverage['atRisk'] = [];
  const replicas = [...keys].sort().map((replica) => ({
    replica,
    states: days.map((date): DayState => {
      const record = records.find((r) => r.date === date && belongsTo(replica, r.replicationIp));
      if (record) return record.partial ? 'partial' : 'archived';
      if (date === input.today) return 'open';
      if (input.emptyDays.some((d) => d.date === date && d.replica === replica)) return 'empty';
      if (RETENTION_DAYS - daysBetween(date, input.today) < AT_RISK_WITHIN_DAYS) {
        atRisk.push({ replica, date });
        return 'at-risk';
      }
      return 'missing';
    }),
  }));
  const lost: InstanceCoverage['lost'] = [];
  const windowStart = days[0] as string;
  const oldestKept = oldestKeptDay(input.today, input.retentionDays ?? null);
  for (const { replica } of replicas) {
    const kept = [
      ...records.filter((r) => belongsTo(replica, r.replicationIp)).map((r) => r.date),
      ...input.emptyDays.filter((d) => d.replica === replica).map((d) => d.date),
    ].filter((date) => date < windowStart);
    if (kept.length === 0) continue;
    const keptSet = new Set(kept);
    for (let date = addDays(kept.reduce((a, b) => (a > b ? a : b)), 1); date < windowStart; date = addDays(date, 1)) {
      if (!keptSet.has(date) && (oldestKept === undefined || date >= oldestKept)) lost.push({ replica, date });
    }
  }
  const notCollected = input.notCollected === 'all' ? replicas.map((r) => r.replica) : (input.notCollected ?? []);
  return { instanceId: input.instanceId, days, replicas, atRisk, lost, ...(notCollected.length > 0 ? { notCollected } : {}) };
}

const SYMBOLS: Record<DayState, string> = { archived: '#', partial: '+', empty: '.', missing: '-', 'at-risk': '!', open: '~' };

export const COVERAGE_LEGEND = '# archived  + partial  . empty (confirmed)  - missing  ! missing, deleted by DCS within 2 days  ~ today (open)';

/** One line per replica: a character per day, oldest first. */
export function coveragePicture(coverage: InstanceCoverage): string[] {
  return coverage.replicas.map(({ replica, states }) => `${replica.padEnd(15)} ${states.map((s) => SYMBOLS[s]).join('')}`);
}
