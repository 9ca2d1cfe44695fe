/**
 * Where the archive keeps what it knows, relative to the destination prefix: every key of
 * records, manifests and run reports is made here and nowhere else. (Where a log object goes is
 * the user's key template: plan/key-template.ts.)
 */
import { safeSegment } from '../store/key-safety.js';

export const RECORDS_PREFIX = 'records/';
export const MANIFESTS_PREFIX = 'manifests/';
export const RUNS_PREFIX = 'runs/';

export function recordKey(instanceId: string, date: string, fileName: string): string {
  return `${recordPrefix(instanceId)}${safeSegment(date)}/${safeSegment(fileName)}.json`;
}

export function recordPrefix(instanceId: string): string {
  return `${RECORDS_PREFIX}${safeSegment(instanceId)}/`;
}

export function manifestKey(instanceId: string): string {
  return manifestKeyOfSegment(safeSegment(instanceId));
}

export function runReportKey(runId: string): string {
  return `${RUNS_PREFIX}${safeSegment(runId)}.json`;
}

/**
 * Where a pass's start check writes (and at once removes) the tiny objects that prove the bucket
 * honours the destination's object settings: beside the run report, never a record or a log.
 */
export function settingsProbeKey(runId: string): string {
  return `${RUNS_PREFIX}${safeSegment(runId)}.probe`;
}

/** The manifest key of an instance's key segment (as it appears in `records/{segment}/`). */
export function manifestKeyOfSegment(segment: string): string {
  return `${MANIFESTS_PREFIX}${segment}.json`;
}

/** `manifests/{segment}.json` → segment; undefined for any other key. */
export function manifestSegment(key: string): string | undefined {
  if (!key.startsWith(MANIFESTS_PREFIX) || !key.endsWith('.json')) return undefined;
  const segment = key.slice(MANIFESTS_PREFIX.length, -'.json'.length);
  return segment !== '' && !segment.includes('/') ? segment : undefined;
}
