import type { Logger } from 'pino';
import type { ArchiverEvent } from './events.js';
import { formatBytes } from './progress.js';

type Level = 'error' | 'warn' | 'info' | 'debug';

/**
 * One log entry for an event: JSON lines get `fields` and the stable `msg` that queries match
 * on; a human-readable line gets `text` alone, one line that says it all (names rather than ids).
 */
export interface EventLine {
  level: Level;
  fields: Record<string, unknown>;
  msg: string;
  text: string;
}

/**
 * Instance names as the pass learns them (configured, or found by discovery): the edge shows
 * the name where the core's events carry only the id.
 */
export class InstanceNames {
  private readonly names = new Map<string, string>();

  learn(event: ArchiverEvent): void {
    if (event.type === 'instance-started' && event.instanceName) this.names.set(event.instanceId, event.instanceName);
  }

  name(instanceId: string): string | undefined {
    return this.names.get(instanceId);
  }

  /** What a person reads for this instance: its name when it has one, else its id. */
  label(instanceId: string): string {
    return this.names.get(instanceId) ?? instanceId;
  }
}

export interface EventView {
  /** Human-readable lines (`text`) rather than JSON fields. */
  pretty: boolean;
  names?: InstanceNames;
}

/** The edge's reading of core events: one line per archived file, one per problem, and a summary. */
export function logEvent(logger: Logger, event: ArchiverEvent, view: EventView = { pretty: false }): void {
  const line = eventLine(event, view.names ?? new InstanceNames());
  if (!line) return;
  if (view.pretty) logger[line.level](line.text);
  else logger[line.level](line.fields, line.msg);
}

/** Pure: the log entry of an event, or none for events that only feed progress and metrics. */
export function eventLine(event: ArchiverEvent, names: InstanceNames): EventLine | undefined {
  const who = (instanceId: string) => ({ instance: instanceId, ...(names.name(instanceId) ? { instanceName: names.name(instanceId) } : {}) });
  const label = (instanceId: string) => names.label(instanceId);
  const line = (level: Level, fields: Record<string, unknown>, msg: string, text = msg): EventLine => ({ level, fields, msg, text });
  switch (event.type) {
    case 'store-check-started': {
      const bound = event.deadlineMs === undefined ? '' : ` (at most ${event.deadlineMs / 1000} s)`;
      return line('info', { location: event.location, ...(event.deadlineMs === undefined ? {} : { deadlineSeconds: event.deadlineMs / 1000 }) }, `waiting for the destination ${event.location}${bound}`);
    }
    case 'store-check-finished':
      return line('debug', { location: event.location, ok: event.ok }, 'destination checked', `destination ${event.location} ${event.ok ? 'answered' : 'could not be used'}`);
    case 'pass-started':
      return line('info', { runId: event.runId, instances: event.instances, dryRun: event.dryRun }, 'pass started', `pass ${event.runId} started: ${event.instances} instance(s)${event.dryRun ? ', dry run' : ''}`);
    case 'instance-started':
      return line('debug', who(event.instanceId), 'instance started', `${label(event.instanceId)}: listing run logs and reading records`);
    case 'instance-surveyed':
      return line('debug', { ...who(event.instanceId), listed: event.listed }, 'instance listed', `${label(event.instanceId)}: ${event.listed} run log(s) listed`);
    case 'collection-wait-started':
      return line(
        'info',
        { ...who(event.instanceId), replicas: event.replicas, waitSeconds: event.waitSeconds },
        'waiting for collected run logs',
        `${label(event.instanceId)}: waiting for the run logs collected from ${event.replicas} replica(s) (at most ${event.waitSeconds} s)`,
      );
    case 'collection-wait-finished':
      return line('debug', { ...who(event.instanceId), timedOut: event.timedOut }, 'collection wait over', `${label(event.instanceId)}: ${event.timedOut ? 'stopped waiting for collected run logs' : 'collected run logs are ready'}`);
    case 'instance-planned': {
      const skipped = Object.entries(event.skip).map(([reason, n]) => `${n} ${reason}`);
      return line(
        'info',
        { ...who(event.instanceId), toArchive: event.archive, skipped: event.skip, probes: event.probes },
        'instance planned',
        `${label(event.instanceId)}: ${event.archive} file(s) to archive${skipped.length > 0 ? `, skipped ${skipped.join(', ')}` : ''}${event.probes > 0 ? `, ${event.probes} size(s) probed` : ''}`,
      );
    }
    case 'instance-failed':
      return line('error', { ...who(event.instanceId), kind: event.kind, reason: event.reason }, event.message, `${label(event.instanceId)}: ${event.message}`);
    case 'file-archived': {
      const seconds = Math.max(event.ms, 1) / 1000;
      const notes = [event.partial ? 'partial' : '', event.replaced ? 'replaces the earlier copy' : ''].filter(Boolean);
      return line(
        'info',
        { ...who(event.instanceId), file: event.fileName, logId: event.logId, key: event.key, bytes: event.bytes, storedBytes: event.storedBytes, sha256: event.sha256, ms: event.ms, partial: event.partial, replaced: event.replaced },
        'archived',
        `archived ${label(event.instanceId)} ${event.fileName}: ${formatBytes(event.bytes)} in ${seconds.toFixed(1)} s (${formatBytes(Math.round(event.bytes / seconds))}/s)${notes.length > 0 ? `, ${notes.join(', ')}` : ''}`,
      );
    }
    case 'file-failed':
      return line('error', { ...who(event.instanceId), file: event.fileName, logId: event.logId, kind: event.kind, reason: event.reason }, event.message, `failed ${label(event.instanceId)} ${event.fileName}: ${event.message}`);
    case 'file-skipped':
      return line(
        'debug',
        { ...who(event.instanceId), file: event.fileName, logId: event.logId, date: event.date, reason: event.reason, detail: event.detail },
        'skipped',
        `skipped ${label(event.instanceId)} ${event.fileName}: ${event.reason}${event.detail ? ` (${event.detail})` : ''}`,
      );
    case 'retry': {
      const scope = event.instanceId ? event.scope.replace(event.instanceId, label(event.instanceId)) : event.scope;
      return line(
        'warn',
        { scope: event.scope, ...(event.instanceId ? who(event.instanceId) : {}), attempt: event.attempt, delayMs: event.delayMs, reason: event.reason },
        'retrying',
        `retrying ${scope} in ${(event.delayMs / 1000).toFixed(1)} s (attempt ${event.attempt}): ${event.reason}`,
      );
    }
    case 'discovery-failed':
      return line('warn', { projectId: event.projectId, kind: event.failure.kind, reason: event.failure.reason }, `instance discovery failed, archiving the project's configured instances only: ${event.failure.message}`);
    case 'replicas-failed':
      return line(
        'warn',
        { ...who(event.instanceId), kind: event.failure.kind, reason: event.failure.reason },
        `the replicas could not be listed, so nothing was collected; archiving the files already listed: ${event.failure.message}`,
        `${label(event.instanceId)}: the replicas could not be listed, so nothing was collected; archiving the files already listed: ${event.failure.message}`,
      );
    case 'collection-failed': {
      const msg = `collection for replica ${event.replica} failed: ${event.failure.message}`;
      return line('warn', { ...who(event.instanceId), replica: event.replica, kind: event.failure.kind, reason: event.failure.reason }, msg, `${label(event.instanceId)}: ${msg}`);
    }
    case 'collection-timed-out': {
      const msg = `collected files were not all ready within collect.waitSeconds (${event.waitSeconds} s); archiving what is ready`;
      return line('warn', { ...who(event.instanceId), waitSeconds: event.waitSeconds }, msg, `${label(event.instanceId)}: ${msg}`);
    }
    case 'replica-gone': {
      const msg = `replica ${event.replica} is no longer listed (failover or scale-in); its days stay in the coverage`;
      return line('warn', { ...who(event.instanceId), replica: event.replica }, msg, `${label(event.instanceId)}: ${msg}`);
    }
    case 'run-report-failed':
      return line('warn', { kind: event.failure.kind, reason: event.failure.reason }, `could not write the run report: ${event.failure.message}`);
    case 'dcs-notice': {
      const { notice } = event;
      const msg = notice.type === 'dcs.malformed-items' ? `DCS ${notice.op}: ${notice.count} malformed item(s) left out (${notice.problem})` : notice.message;
      return line('warn', { ...(notice.instanceId ? who(notice.instanceId) : {}), notice: notice.type }, msg, notice.instanceId ? `${label(notice.instanceId)}: ${msg}` : msg);
    }
    case 'rate-lowered': {
      const rate = Math.round(event.ratePerSecond * 100) / 100;
      return line('warn', { ratePerSecond: rate }, 'DCS is throttling: request rate lowered', `DCS is throttling: request rate lowered to ${rate} per second`);
    }
    case 'day-at-risk':
      return line(
        'warn',
        { ...who(event.instanceId), replica: event.replica, date: event.date },
        'day at risk: not archived, and DCS deletes it within 2 days',
        `${label(event.instanceId)}: ${event.date} of replica ${event.replica} is at risk: not archived, and DCS deletes it within 2 days`,
      );
    case 'pass-deferred':
      return line(
        'warn',
        { files: event.files, instancesNotStarted: event.instancesNotStarted },
        `stopped: ${event.files} file(s)${event.instancesNotStarted > 0 ? ` and ${event.instancesNotStarted} instance(s)` : ''} deferred; the next pass takes them`,
      );
    case 'pass-finished': {
      const seconds = Math.max(event.ms, 1) / 1000;
      const counts = [`${event.archived} archived (${formatBytes(event.bytes)}, ${formatBytes(Math.round(event.bytes / seconds))}/s)`, `${event.skipped} skipped`, `${event.failed} failed`];
      if (event.deferred > 0) counts.push(`${event.deferred} deferred`);
      if (event.daysAtRisk > 0) counts.push(`${event.daysAtRisk} day(s) at risk`);
      return line(
        event.result === 'ok' ? 'info' : event.result === 'stopped' ? 'warn' : 'error',
        { runId: event.runId, result: event.result, archived: event.archived, skipped: event.skipped, failed: event.failed, deferred: event.deferred, bytes: event.bytes, ms: event.ms, daysAtRisk: event.daysAtRisk, ...(event.error ? { reason: event.error.reason, error: event.error.message } : {}) },
        'pass finished',
        `pass finished, ${event.result}: ${counts.join(', ')} in ${seconds.toFixed(1)} s${event.error ? `; ${event.error.message}` : ''}`,
      );
    }
    case 'file-started':
    case 'file-bytes':
      return undefined;
  }
}
