import { pino, type DestinationStream, type Logger } from 'pino';
import { ConfigError } from './errors.js';
import type { ArchiverEvent } from './events.js';

/** pino's levels, most severe first; `silent` writes nothing. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const LOG_FORMATS = ['json', 'pretty'] as const;

export interface LogSettings {
  level: (typeof LOG_LEVELS)[number];
  pretty: boolean;
}

/**
 * `LOG_LEVEL` and `LOG_FORMAT`, checked before anything else runs: a typo must not end in
 * pino's internal error, nor quietly mean JSON. Unset or empty means the default (info; pretty
 * on a terminal, else JSON).
 */
export function logSettings(env: Record<string, string | undefined>, isTerminal: boolean): LogSettings {
  const level = env.LOG_LEVEL || 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError('LOG_LEVEL', `got ${JSON.stringify(level)}; allowed: ${LOG_LEVELS.join(', ')}`);
  }
  const format = env.LOG_FORMAT || undefined;
  if (format !== undefined && !(LOG_FORMATS as readonly string[]).includes(format)) {
    throw new ConfigError('LOG_FORMAT', `got ${JSON.stringify(format)}; allowed: ${LOG_FORMATS.join(', ')} (unset: pretty on a terminal, else json)`);
  }
  return { level: level as LogSettings['level'], pretty: format === undefined ? isTerminal : format === 'pretty' };
}

/**
 * The one redaction layer for everything written to the logs: known secret values (AK, SK,
 * tokens, bucket keys) and any URL query string (a pre-signed link's query is a credential)
 * are replaced before a line leaves the process, whatever put them in the line.
 */
export function createScrubber(secrets: readonly (string | undefined)[]): (text: string) => string {
  const values = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4))].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const value of values) if (out.includes(value)) out = out.split(value).join('[redacted]');
    return out
      .replace(/(\bhttps?:\/\/[^\s"'?#\\]+)\?[^\s"'\\]*/gi, '$1?[redacted]')
      .replace(/\b(AWSAccessKeyId|Signature|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Expires|token)=[^&\s"'\\]+/gi, '$1=[redacted]')
      .replace(/\b(Access=)[^,\s"'\\]+/g, '$1[redacted]');
  };
}

export interface LogOptions {
  level?: string;
  /** Human-readable lines (a terminal, or LOG_FORMAT=pretty); else pino JSON lines. */
  pretty: boolean;
  secrets: readonly (string | undefined)[];
  /** Where lines go; stdout by default. */
  destination?: NodeJS.WritableStream;
}

/** The human-readable formatter is loaded only when asked for: JSON runs do not pay its memory. */
export async function createLogger(options: LogOptions): Promise<Logger> {
  const scrub = createScrubber(options.secrets);
  const out = options.destination ?? process.stdout;
  const pretty = options.pretty ? (await import('pino-pretty')).default : undefined;
  const sink = pretty ? pretty({ colorize: out === process.stdout && process.stdout.isTTY, destination: out as NodeJS.WritableStream & { fd?: number }, sync: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' }) : out;
  // Writes straight through so a log line is never lost when the process exits.
  const destination: DestinationStream = { write: (line: string) => void sink.write(scrub(line)) };
  return pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['authorization', '*.authorization', 'headers.authorization', 'link', '*.link', 'secretKey', '*.secretKey', 'token', '*.token'], censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** The edge's reading of core events: one line per archived file and a summary. */
export function logEvent(logger: Logger, event: ArchiverEvent): void {
  switch (event.type) {
    case 'store-check-started':
      logger.info(
        { location: event.location, ...(event.deadlineMs === undefined ? {} : { deadlineSeconds: event.deadlineMs / 1000 }) },
        `waiting for the destination ${event.location}${event.deadlineMs === undefined ? '' : ` (at most ${event.deadlineMs / 1000} s)`}`,
      );
      break;
    case 'pass-started':
      logger.info({ runId: event.runId, instances: event.instances, dryRun: event.dryRun }, 'pass started');
      break;
    case 'instance-planned':
      logger.info({ instance: event.instanceId, toArchive: event.archive, skipped: event.skip, probes: event.probes }, 'instance planned');
      break;
    case 'instance-failed':
      logger.error({ instance: event.instanceId, kind: event.kind, reason: event.reason }, event.message);
      break;
    case 'file-archived':
      logger.info(
        { instance: event.instanceId, file: event.fileName, logId: event.logId, key: event.key, bytes: event.bytes, storedBytes: event.storedBytes, sha256: event.sha256, ms: event.ms, partial: event.partial, replaced: event.replaced },
        'archived',
      );
      break;
    case 'file-failed':
      logger.error({ instance: event.instanceId, file: event.fileName, logId: event.logId, kind: event.kind, reason: event.reason }, event.message);
      break;
    case 'file-skipped':
      logger.debug({ instance: event.instanceId, file: event.fileName, logId: event.logId, date: event.date, reason: event.reason, detail: event.detail }, 'skipped');
      break;
    case 'retry':
      logger.warn({ scope: event.scope, attempt: event.attempt, delayMs: event.delayMs, reason: event.reason }, 'retrying');
      break;
    case 'discovery-failed':
      logger.warn({ projectId: event.projectId, kind: event.failure.kind, reason: event.failure.reason }, `instance discovery failed, archiving the project's configured instances only: ${event.failure.message}`);
      break;
    case 'replicas-failed':
      logger.warn({ instance: event.instanceId, kind: event.failure.kind, reason: event.failure.reason }, `the replicas could not be listed, so nothing was collected; archiving the files already listed: ${event.failure.message}`);
      break;
    case 'collection-failed':
      logger.warn({ instance: event.instanceId, replica: event.replica, kind: event.failure.kind, reason: event.failure.reason }, `collection for replica ${event.replica} failed: ${event.failure.message}`);
      break;
    case 'collection-timed-out':
      logger.warn({ instance: event.instanceId, waitSeconds: event.waitSeconds }, `collected files were not all ready within collect.waitSeconds (${event.waitSeconds} s); archiving what is ready`);
      break;
    case 'replica-gone':
      logger.warn({ instance: event.instanceId, replica: event.replica }, `replica ${event.replica} is no longer listed (failover or scale-in); its days stay in the coverage`);
      break;
    case 'run-report-failed':
      logger.warn({ kind: event.failure.kind, reason: event.failure.reason }, `could not write the run report: ${event.failure.message}`);
      break;
    case 'dcs-notice': {
      const { notice } = event;
      const message = notice.type === 'dcs.malformed-items' ? `DCS ${notice.op}: ${notice.count} malformed item(s) left out (${notice.problem})` : notice.message;
      logger.warn({ ...(notice.instanceId ? { instance: notice.instanceId } : {}), notice: notice.type }, message);
      break;
    }
    case 'rate-lowered':
      logger.warn({ ratePerSecond: Math.round(event.ratePerSecond * 100) / 100 }, 'DCS is throttling: request rate lowered');
      break;
    case 'day-at-risk':
      logger.warn({ instance: event.instanceId, replica: event.replica, date: event.date }, 'day at risk: not archived, and DCS deletes it within 2 days');
      break;
    case 'pass-deferred':
      logger.warn(
        { files: event.files, instancesNotStarted: event.instancesNotStarted },
        `stopped: ${event.files} file(s)${event.instancesNotStarted > 0 ? ` and ${event.instancesNotStarted} instance(s)` : ''} deferred; the next pass takes them`,
      );
      break;
    case 'pass-finished':
      logger[event.result === 'ok' ? 'info' : event.result === 'stopped' ? 'warn' : 'error'](
        { runId: event.runId, result: event.result, archived: event.archived, skipped: event.skipped, failed: event.failed, deferred: event.deferred, bytes: event.bytes, ms: event.ms, daysAtRisk: event.daysAtRisk, ...(event.error ? { reason: event.error.reason, error: event.error.message } : {}) },
        'pass finished',
      );
      break;
    case 'file-bytes':
      break;
  }
}
