/**
 * Where the archive keeps what it knows, relative to the destination prefix: every key of
 * records, manifests and run reports is made here and nowhere else. (Where a log object goes is
 * the user's key template: plan/key-template.ts.)
 */
import { safeSegment } from '../store/key-safety.js';

export function recordKey(instanceId: string, date: string, fileName: string): string {
  return `${recordPrefix(instanceId)}${safeSegment(date)}/${safeSegment(fileName)}.json`;
}

export function recordPrefix(instanceId: string): string {
  return `records/${safeSegment(instanceId)}/`;
}

export function manifestKey(instanceId: string): string {
  return `manifests/${safeSegment(instanceId)}.json`;
}

export function runReportKey(runId: string): string {
  return `${RUNS_PREFIX}${safeSegment(runId)}.json`;
}

export const RUNS_PREFIX = 'runs/';
