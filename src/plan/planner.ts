import type { RunLog, MalformedItem } from '../dcs/types.js';
import { identityOf, type ArchiveRecord } from '../records/record.js';
import { renderKey } from './key-template.js';

export type SkipReason =
  | 'already-archived'
  | 'not-ready'
  | 'failed-at-source'
  | 'day-open'
  | 'superseded'
  | 'malformed'
  | 'excluded';

export interface PlannedFile {
  log: RunLog;
  key: string;
  /** The day was still open: the file is archived but will be replaced by the complete one. */
  partial: boolean;
  /** Size learned by probing, when it was needed to choose; the transfer checks it. */
  expectedBytes?: number;
  /** The record this file replaces (a larger re-collection of an archived file). */
  replaces?: ArchiveRecord;
  /** Other listing ids for this file that are no larger, remembered in the record. */
  knownLogIds: string[];
  /** Collected by this pass after its day ended: the whole day. */
  complete: boolean;
}

export interface SkippedFile {
  logId: string;
  fileName: string;
  date: string;
  reason: SkipReason;
  detail?: string;
}

/** Listing items seen to be no larger than what a record holds, to remember in that record. */
export interface Acknowledgement {
  record: ArchiveRecord;
  logIds: string[];
  /** One of them was collected after the day ended: the archived file is known complete. */
  complete: boolean;
}

export interface Plan {
  archive: PlannedFile[];
  skip: SkippedFile[];
  /** Items whose size must be learned before a choice can be made; plan again with their sizes. */
  probe: RunLog[];
  acknowledge: Acknowledgement[];
}

export interface PlanInput {
  projectId: string;
  instance: { id: string; name?: string | undefined };
  logs: RunLog[];
  malformed: MalformedItem[];
  /** The instance's records by identity. */
  records: ReadonlyMap<string, ArchiveRecord>;
  /** The pass's one "today" (in `timeZone`): its file is still growing. */
  today: string;
  timeZone: string;
  includeOpenDay: boolean;
  keyTemplate: string;
  compression: 'none' | 'gzip';
  /** Sizes learned by probing, by log id. */
  sizes: ReadonlyMap<string, number>;
  /** Log ids whose probe failed: left out of the choice (the failure is reported by the caller). */
  probeFailed?: ReadonlySet<string>;
  /** Items this pass collected after their day had ended. */
  fresh?: ReadonlySet<string>;
}

/**
 * Decides, without I/O, what to archive and what to skip and why.
 *
 * A file's identity is instance + day + file name (one per replica per day); DCS gives a
 * re-collection of a day a new id. Among ready items of one identity the largest is the most
 * complete, and it replaces an archived file only when it holds more bytes (or completes a
 * partial one). The API gives no sizes, so when a choice needs them the plan asks for probes.
 */
export function planInstance(input: PlanInput): Plan {
  const plan: Plan = { archive: [], skip: [], probe: [], acknowledge: [] };
  const { today } = input;

  for (const item of input.malformed) {
    plan.skip.push({ logId: '', fileName: '', date: '', reason: 'malformed', detail: `${item.problem}: ${item.raw}` });
  }

  const groups = new Map<string, RunLog[]>();
  for (const log of input.logs) {
    const identity = identityOf({ instanceId: input.instance.id, date: log.date, fileName: log.fileName });
    const group = groups.get(identity);
    if (group) group.push(log);
    else groups.set(identity, [log]);
  }

  for (const [identity, group] of groups) {
    const skip = (log: RunLog, reason: SkipReason, detail?: string) =>
      plan.skip.push({ logId: log.id, fileName: log.fileName, date: log.date, reason, ...(detail ? { detail } : {}) });
    const ready: RunLog[] = [];
    for (const log of group) {
      if (log.status === 'succeed') ready.push(log);
      else if (log.status === 'failed') skip(log, 'failed-at-source', 'DCS reports the collection failed');
      else skip(log, 'not-ready', `status ${JSON.stringify(log.status)}`);
    }
    if (ready.length === 0) continue;

    const first = ready[0] as RunLog;
    const open = first.date >= today;
    if (open && !input.includeOpenDay) {
      for (const log of ready) skip(log, 'day-open', `${first.date} is today in ${input.timeZone}; its file is still growing`);
      continue;
    }

    const record = input.records.get(identity);
    const known = new Set(record ? [record.logId, ...record.knownLogIds] : []);
    const fresh = ready.filter((log) => !known.has(log.id));
    const completesPartial = record?.partial === true && !open;

    if (record && fresh.length === 0) {
      const detail = record.partial ? 'archived while the day was open; a re-collection of the closed day will replace it' : undefined;
      for (const log of ready) skip(log, 'already-archived', detail);
      continue;
    }

    // Sizes decide only when there is something to compare: several candidates, or a record.
    const candidates = record ? fresh : ready;
    const needSizes = record !== undefined || candidates.length > 1;
    if (needSizes) {
      const unknown = candidates.filter((log) => !input.sizes.has(log.id) && !input.probeFailed?.has(log.id));
      if (unknown.length > 0) {
        plan.probe.push(...unknown);
        continue;
      }
    }
    const sized = candidates.filter((log) => !input.probeFailed?.has(log.id));
    if (sized.length === 0) continue;

    // The largest wins; among equals the one listed last (the latest collection).
    const best = needSizes
      ? sized.reduce((a, b) => ((input.sizes.get(b.id) ?? 0) >= (input.sizes.get(a.id) ?? 0) ? b : a))
      : (sized[0] as RunLog);
    const bestBytes = input.sizes.get(best.id);
    const others = sized.filter((log) => log !== best).map((log) => log.id);

    if (record && bestBytes !== undefined) {
      const larger = bestBytes > record.bytes || (completesPartial && bestBytes >= record.bytes);
      if (!larger) {
        for (const log of ready) skip(log, 'already-archived', known.has(log.id) ? undefined : `no larger than the archived ${record.bytes} bytes`);
        const newlySeen = sized.map((log) => log.id);
        if (newlySeen.length > 0) plan.acknowledge.push({ record, logIds: newlySeen, complete: newlySeen.some((id) => input.fresh?.has(id) === true) });
        continue;
      }
    }

    for (const log of ready) {
      if (log === best) continue;
      if (!known.has(log.id) && !input.probeFailed?.has(log.id)) skip(log, 'superseded', `a larger item ${best.id} for the same file is archived instead`);
    }
    plan.archive.push({
      log: best,
      key: renderKey(input.keyTemplate, {
        projectId: input.projectId,
        instanceId: input.instance.id,
        instanceName: input.instance.name ?? input.instance.id,
        date: best.date,
        fileName: best.fileName,
        groupName: best.groupName,
        replicationIp: best.replicationIp,
        logId: best.id,
      }, input.compression),
      partial: open,
      ...(bestBytes !== undefined ? { expectedBytes: bestBytes } : {}),
      ...(record ? { replaces: record } : {}),
      knownLogIds: [...new Set([...(record ? [record.logId, ...record.knownLogIds] : []), ...others])].filter((id) => id !== best.id),
      complete: !open && input.fresh?.has(best.id) === true,
    });
  }
  return plan;
}
