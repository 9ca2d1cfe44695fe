/**
 * One Redis server log line, as every major since 2.x writes it:
 *   `pid:role dd Mon yyyy hh:mm:ss.mmm level message`   (3.x and later; the year since 4.x/5.x)
 *   `[pid] dd Mon hh:mm:ss.mmm level message`            (2.x: no role, no year)
 * Roles: `M` master, `S` replica, `C` child (RDB/AOF), `X` sentinel. Levels: `.` debug,
 * `-` verbose, `*` notice, `#` warning. Anything else (banners, ASCII art, a line cut by
 * rotation) is not a log line: callers skip it rather than fail.
 */
export type RedisRole = 'M' | 'S' | 'C' | 'X';
export type RedisLevel = '.' | '-' | '*' | '#';

export interface RedisLogLine {
  pid: number;
  /** Undefined for 2.x lines, which carry no role. */
  role?: RedisRole;
  /** Milliseconds since the epoch, reading the clock in the line as UTC (Redis writes local time, DCS runs in UTC). */
  timeMs: number;
  level: RedisLevel;
  message: string;
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

// pid:role or [pid], day, month, optional year, clock with milliseconds, level, message.
const LINE = /^(?:(\d+):([MSCX])|\[(\d+)\]) (\d{1,2}) ([A-Z][a-z]{2}) (?:(\d{4}) )?(\d{2}):(\d{2}):(\d{2})\.(\d{3}) ([.\-*#]) (.*)$/;

/**
 * Parses one line (without its newline; a trailing `\r` is tolerated). `fallbackYear` serves
 * the formats that carry no year: the year of the file's date.
 */
export function parseLogLine(text: string, fallbackYear: number): RedisLogLine | undefined {
  const m = LINE.exec(text.endsWith('\r') ? text.slice(0, -1) : text);
  if (!m) return undefined;
  const month = MONTHS[m[5]!];
  if (month === undefined) return undefined;
  const year = m[6] ? Number(m[6]) : fallbackYear;
  const day = Number(m[4]);
  const timeMs = Date.UTC(year, month, day, Number(m[7]), Number(m[8]), Number(m[9]), Number(m[10]));
  // Date.UTC rolls 31 Feb into March; a line that names an impossible day is not a log line.
  if (new Date(timeMs).getUTCDate() !== day) return undefined;
  return {
    pid: Number(m[1] ?? m[3]),
    ...(m[2] ? { role: m[2] as RedisRole } : {}),
    timeMs,
    level: m[11] as RedisLevel,
    message: m[12]!,
  };
}
