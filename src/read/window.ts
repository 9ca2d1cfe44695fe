/**
 * Which days and which lines a reader wants: `--date D`, or `--since T` / `--until T`, where T is
 * a day or a UTC time (DCS instances log in UTC, and line.ts reads the clock in a line as UTC).
 * `--since` is inclusive; `--until` is exclusive for a time and takes the whole day for a day.
 */
import { ConfigError } from '../errors.js';
import { parseLogLine } from '../redis-log/line.js';

export interface Window {
  /** Days of files, yyyy-MM-dd, inclusive at both ends. */
  fromDate?: string;
  toDate?: string;
  /** Line times [sinceMs, untilMs); set only when a bound carries a time of day. */
  sinceMs?: number;
  untilMs?: number;
}

const DAY_MS = 86_400_000;
const FORM = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?Z?)?$/;
const ALLOWED = 'allowed: a day YYYY-MM-DD or a UTC time YYYY-MM-DDTHH:MM[:SS]';

interface Bound {
  date: string;
  ms: number;
  hasTime: boolean;
}

function parseBound(flag: string, value: string): Bound {
  const m = FORM.exec(value);
  const fail = () => new ConfigError(flag, `got ${JSON.stringify(value)}; ${ALLOWED}`);
  if (!m) throw fail();
  const [year, month, day, hour = 0, minute = 0, second = 0] = m.slice(1).map((part) => (part === undefined ? undefined : Number(part))) as number[];
  const ms = Date.UTC(year!, month! - 1, day!, hour, minute, second);
  const at = new Date(ms);
  if (at.getUTCDate() !== day || at.getUTCMonth() !== month! - 1 || hour > 23 || minute > 59 || second > 59) throw fail();
  return { date: value.slice(0, 10), ms, hasTime: m[4] !== undefined };
}

/** The window of `--date`, `--since` and `--until` (ConfigError naming the flag when one is wrong). */
export function parseWindow(flags: { date?: string | undefined; since?: string | undefined; until?: string | undefined }): Window {
  if (flags.date !== undefined) {
    if (flags.since !== undefined || flags.until !== undefined) throw new ConfigError('--date', 'goes alone; allowed: --date D, or --since and/or --until');
    const day = parseBound('--date', flags.date);
    if (day.hasTime) throw new ConfigError('--date', `got ${JSON.stringify(flags.date)}; allowed: a day YYYY-MM-DD (for times, --since and --until)`);
    return { fromDate: day.date, toDate: day.date };
  }
  const since = flags.since === undefined ? undefined : parseBound('--since', flags.since);
  const until = flags.until === undefined ? undefined : parseBound('--until', flags.until);
  const untilMs = until ? (until.hasTime ? until.ms : until.ms + DAY_MS) : undefined;
  if (since && untilMs !== undefined && since.ms >= untilMs) {
    throw new ConfigError('--until', `${flags.until} is not after --since ${flags.since}; allowed: a later day or time`);
  }
  const timed = (since?.hasTime ?? false) || (until?.hasTime ?? false);
  return {
    ...(since ? { fromDate: since.date } : {}),
    ...(until ? { toDate: until.date } : {}),
    ...(timed && since ? { sinceMs: since.ms } : {}),
    ...(timed && untilMs !== undefined ? { untilMs } : {}),
  };
}

export function hasLineBounds(window: Window): boolean {
  return window.sinceMs !== undefined || window.untilMs !== undefined;
}

export function dayInWindow(window: Window, date: string): boolean {
  return (window.fromDate === undefined || date >= window.fromDate) && (window.toDate === undefined || date <= window.toDate);
}

function inWindow(window: Window, ms: number): boolean {
  return (window.sinceMs === undefined || ms >= window.sinceMs) && (window.untilMs === undefined || ms < window.untilMs);
}

/**
 * Whether each line of one file is inside the window's times. A line that does not parse (a
 * banner, a continuation, a line cut by rotation) shares the fate of the last line that did;
 * before the first one, the fate of the file's midnight.
 */
export function lineWindow(window: Window, fileDate: string): (line: Buffer) => boolean {
  if (!hasLineBounds(window)) return () => true;
  const year = Number(fileDate.slice(0, 4));
  let inside = inWindow(window, Date.parse(`${fileDate}T00:00:00Z`));
  return (line) => {
    // The header is ASCII; latin1 decodes any byte without failing.
    const parsed = parseLogLine(line.toString('latin1', 0, Math.min(line.length, 256)), year);
    if (parsed) inside = inWindow(window, parsed.timeMs);
    return inside;
  };
}
