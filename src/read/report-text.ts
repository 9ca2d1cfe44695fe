/**
 * A run report for people: what was archived, skipped (with reasons), failed (with reasons),
 * and the coverage warnings, per instance. Pure; `report --json` prints the stored document.
 */
import type { FailureInfo } from '../errors.js';
import type { InstanceReport, RunReport } from '../records/run-report.js';

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

function failure(info: FailureInfo): string {
  return `${info.reason}: ${info.message}`;
}

function seconds(report: RunReport): string {
  const ms = Date.parse(report.finishedAt) - Date.parse(report.startedAt);
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : '?';
}

export function formatRunReport(report: RunReport): string {
  const c = report.counts;
  const skipped = Object.entries(report.skippedByReason)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
  const lines = [
    `run ${report.runId}: ${report.result}${report.dryRun ? ' (dry run)' : ''}, ${report.startedAt} .. ${report.finishedAt} (${seconds(report)})`,
    `${c.instances} instance(s): archived ${c.archived} file(s) (${formatBytes(c.bytes)}, stored ${formatBytes(c.storedBytes)}), skipped ${c.skipped}${skipped ? ` (${skipped})` : ''}, failed ${c.failed}, deferred ${c.deferred}, days at risk ${c.daysAtRisk}`,
  ];
  if (report.error) lines.push(`the pass stopped: ${failure(report.error)}`);
  if (report.discoveryError) lines.push(`instance discovery failed (only configured instances were archived): ${failure(report.discoveryError)}`);
  for (const instance of report.instances) lines.push('', ...instanceLines(instance));
  return `${lines.join('\n')}\n`;
}

function instanceLines(instance: InstanceReport): string[] {
  const lines = [`${instance.name ? `${instance.name} (${instance.instanceId})` : instance.instanceId}, project ${instance.projectId}`];
  const row = (...cells: string[]) => lines.push(`  ${cells.join('  ')}`);
  if (instance.error) row('FAILED', failure(instance.error));
  if (instance.notStarted) row('not started: a stop came first; the next pass takes it');
  if (instance.replicasError) row('replicas unknown (nothing collected):', failure(instance.replicasError));
  for (const entry of instance.collection ?? []) if (entry.result === 'failed' && entry.failure) row('collection failed', entry.replica, entry.days.join(','), failure(entry.failure));
  if (instance.collectionTimedOut) row('collection: not every file was ready within collect.waitSeconds');
  for (const file of instance.archived) row('archived', file.date, file.fileName, formatBytes(file.bytes), file.key, ...(file.partial ? ['(partial)'] : []), ...(file.replaced ? ['(replaced an earlier file)'] : []));
  for (const file of instance.planned ?? []) row('would archive', file.date, file.fileName, file.key);
  for (const file of instance.failed) row('failed', file.date, file.fileName, failure(file));
  for (const file of instance.skipped) row('skipped', file.date, file.fileName, `${file.reason}${file.detail ? ` (${file.detail})` : ''}`);
  for (const file of instance.deferred ?? []) row('deferred', file.date, file.fileName);
  for (const problem of instance.recordProblems ?? []) row('unreadable record', problem);
  for (const { replica, date } of instance.coverage?.atRisk ?? []) row('AT RISK', replica, date, 'missing, and DCS deletes it within 2 days');
  for (const { replica, date } of instance.coverage?.lost ?? []) row('lost', replica, date, 'deleted by DCS before it was archived');
  for (const replica of instance.coverage?.notCollected ?? []) row('not collected', replica, 'its open days may stay missing');
  if (lines.length === 1) row('nothing to do');
  return lines;
}
