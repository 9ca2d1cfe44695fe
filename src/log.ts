import { pino, type DestinationStream, type Logger } from 'pino';
import { ConfigError } from './errors.js';
import type { Terminal, TerminalStream } from './terminal.js';

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
  destination?: TerminalStream;
  /** The writer that keeps the live status line out of the way of log lines; none: lines are written straight. */
  terminal?: Terminal;
}

/**
 * pino with the scrubber in its path. Human-readable lines are formatted in this process, one
 * line per entry (fields, if any, on the same line as the message), so each line reaches the
 * terminal whole and after the status line is wiped. The formatter is loaded only when asked
 * for: JSON runs do not pay its memory.
 */
export async function createLogger(options: LogOptions): Promise<Logger> {
  const scrub = createScrubber(options.secrets);
  const out = options.destination ?? process.stdout;
  // Colours only where the lines go is a terminal: logs sent to stderr under `--json` follow stderr, not stdout.
  const format = options.pretty
    ? (await import('pino-pretty')).prettyFactory({ colorize: out.isTTY === true, singleLine: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' })
    : (line: string) => line;
  const write = options.terminal ? (text: string) => options.terminal!.write(out, text) : (text: string) => void out.write(text);
  // Writes straight through so a log line is never lost when the process exits.
  const destination: DestinationStream = { write: (line: string) => write(format(scrub(line))) };
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
