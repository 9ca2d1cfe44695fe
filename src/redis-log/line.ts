/**
 * One Redis server log line, as every major since 2.x writes it:
 *   `pid:role dd Mon yyyy hh:mm:ss.mmm level message`   (3.x and later; the year since 4.x/5.x)
 *   `[pid] dd Mon hh:mm:ss.mmm level message`            (2.x: no role, no year)
 *   `pid:signal-handler (unixSeconds) message`             (3.x and later, written from a signal
 *                                                           handler: SIGTERM, the watchdog, a crash)
 * Roles: `M` master, `S` replica, `C` child (RDB/AOF), `X` sentinel. Levels: `.` debug,
 * `-` verbose, `*` notice, `#` warning. Anything else (banners, ASCII art, a line cut by
 * rotation) is not a log line: callers skip it rather than fail.
 */
export type RedisRole = 'M' | 'S' | 'C' | 'X';
export type RedisLevel = '.' | '-' | '*' | '#';

export interface RedisLogLine {
  pid: number;
  /** Undefined for 2.x lines, which carry no role, and for signal-handler lines. */
  role?: RedisRole;
  /**
   * Written from a signal handler, which knows neither role nor level (Redis logs only warnings
   * there, so the level reads `#`). Its message may go on in the next line: the watchdog's report
   * starts with a newline.
   */
  signalHandler?: true;
  /** Milliseconds since the epoch, reading the clock in the line as UTC (Redis writes local time, DCS runs in UTC). */
  timeMs: number;
  level: RedisLevel;
  message: string;
}

/**
 * Where a log line's fields are, read from its bytes without decoding them: what a scanner of
 * raw log bytes (the archive-time tally) needs. One object is reused for every line.
 */
export interface ScannedLine {
  pid: number;
  /** The role's character code, or 0 (2.x lines, signal-handler lines). */
  roleCode: number;
  signalHandler: boolean;
  timeMs: number;
  /** The level's character code (`#` for a signal-handler line). */
  levelCode: number;
  /** Byte offset of the message, which runs to the end of the line. */
  messageStart: number;
}

export function scannedLine(): ScannedLine {
  return { pid: 0, roleCode: 0, signalHandler: false, timeMs: 0, levelCode: 0, messageStart: 0 };
}

const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** A month's three letters as one number (see `monthKey`), to its index. */
const MONTHS = new Map(MONTH_NAMES.map((name, index) => [monthKey(Buffer.from(name, 'latin1'), 0), index]));
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const SIGNAL_HANDLER = Buffer.from(':signal-handler (', 'latin1');

const SPACE = 0x20;
const HASH = 0x23;

/**
 * Reads the line in bytes [start, end) of `buf` (without its newline; a trailing `\r` is
 * tolerated) into `out`; false when it is not a log line. Every prefix field is ASCII, so the
 * message's byte offset is also its character offset in the line's text. Bytes rather than a
 * regular expression: the tally runs this on every archived line, and a 12-group match on a
 * decoded string costs several times the rest of its work.
 */
export function scanLogLine(buf: Uint8Array, start: number, end: number, fallbackYear: number, out: ScannedLine): boolean {
  if (end > start && buf[end - 1] === 0x0d) end -= 1;
  let at = start;
  if (buf[at] === 0x5b /* [ */) {
    at = digitsEnd(buf, start + 1, end);
    if (at === start + 1 || at - start > 11 || buf[at] !== 0x5d /* ] */) return false;
    out.pid = digitsValue(buf, start + 1, at);
    out.roleCode = 0;
    at += 1;
  } else {
    at = digitsEnd(buf, start, end);
    if (at === start || at - start > 10 || buf[at] !== 0x3a /* : */) return false;
    out.pid = digitsValue(buf, start, at);
    const role = buf[at + 1];
    if (role === 0x73 /* s */) return scanSignalHandlerLine(buf, at, end, out);
    if (role !== 0x4d && role !== 0x53 && role !== 0x43 && role !== 0x58 /* M S C X */) return false;
    out.roleCode = role;
    at += 2;
  }
  out.signalHandler = false;
  // ` dd Mon [yyyy ]hh:mm:ss.mmm L `, then the message (possibly empty).
  if (buf[at] !== SPACE) return false;
  const dayEnd = digitsEnd(buf, at + 1, Math.min(end, at + 3));
  if (dayEnd === at + 1 || buf[dayEnd] !== SPACE || dayEnd + 5 > end) return false;
  const day = digitsValue(buf, at + 1, dayEnd);
  const month = monthOf(monthKey(buf, dayEnd + 1));
  if (month === undefined || buf[dayEnd + 4] !== SPACE) return false;
  at = dayEnd + 5;
  let year = fallbackYear;
  if (at + 5 <= end && digitsEnd(buf, at, at + 4) === at + 4 && buf[at + 4] === SPACE) {
    year = digitsValue(buf, at, at + 4);
    at += 5;
  }
  if (at + 15 > end) return false;
  const hours = twoDigits(buf, at);
  const minutes = twoDigits(buf, at + 3);
  const seconds = twoDigits(buf, at + 6);
  const millis = threeDigits(buf, at + 9);
  if (hours < 0 || minutes < 0 || seconds < 0 || millis < 0) return false;
  if (buf[at + 2] !== 0x3a || buf[at + 5] !== 0x3a || buf[at + 8] !== 0x2e || buf[at + 12] !== SPACE || buf[at + 14] !== SPACE) return false;
  const level = buf[at + 13]!;
  if (level !== 0x2e && level !== 0x2d && level !== 0x2a && level !== HASH /* . - * # */) return false;
  // Date.UTC would roll 31 Feb into March; a line that names an impossible day is not a log line.
  if (day < 1 || day > daysInMonth(year, month)) return false;
  out.timeMs = dayStartMs(year, month, day) + ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis;
  out.levelCode = level;
  out.messageStart = at + 15;
  return true;
}

/** `pid:signal-handler (unixSeconds) message`: what serverLogFromHandler writes, with no clock text. */
function scanSignalHandlerLine(buf: Uint8Array, colon: number, end: number, out: ScannedLine): boolean {
  if (colon + SIGNAL_HANDLER.length > end) return false;
  for (let i = 0; i < SIGNAL_HANDLER.length; i++) if (buf[colon + i] !== SIGNAL_HANDLER[i]) return false;
  const from = colon + SIGNAL_HANDLER.length;
  const to = digitsEnd(buf, from, end);
  if (to === from || to - from > 12 || buf[to] !== 0x29 /* ) */) return false;
  out.roleCode = 0;
  out.signalHandler = true;
  out.timeMs = digitsValue(buf, from, to) * 1000;
  out.levelCode = HASH;
  out.messageStart = buf[to + 1] === SPACE ? to + 2 : to + 1;
  return true;
}

const scratch = scannedLine();

/**
 * Parses one line of text (without its newline; a trailing `\r` is tolerated). `fallbackYear`
 * serves the formats that carry no year: the year of the file's date.
 */
export function parseLogLine(text: string, fallbackYear: number): RedisLogLine | undefined {
  const bytes = Buffer.from(text, 'utf8');
  if (!scanLogLine(bytes, 0, bytes.length, fallbackYear, scratch)) return undefined;
  const end = text.endsWith('\r') ? text.length - 1 : text.length;
  const line: RedisLogLine = { pid: scratch.pid, timeMs: scratch.timeMs, level: String.fromCharCode(scratch.levelCode) as RedisLevel, message: text.slice(scratch.messageStart, end) };
  if (scratch.roleCode !== 0) line.role = String.fromCharCode(scratch.roleCode) as RedisRole;
  if (scratch.signalHandler) line.signalHandler = true;
  return line;
}

function digitsEnd(buf: Uint8Array, from: number, limit: number): number {
  let at = from;
  while (at < limit && buf[at]! >= 0x30 && buf[at]! <= 0x39) at += 1;
  return at;
}

/** The value of the digits [from, to), known to be digits. */
function digitsValue(buf: Uint8Array, from: number, to: number): number {
  let value = 0;
  for (let at = from; at < to; at++) value = value * 10 + (buf[at]! - 0x30);
  return value;
}

/** Two digits at `at` as a number, or -1. */
function twoDigits(buf: Uint8Array, at: number): number {
  const tens = buf[at]! - 0x30;
  const ones = buf[at + 1]! - 0x30;
  return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 ? tens * 10 + ones : -1;
}

/** Three digits at `at` as a number, or -1. */
function threeDigits(buf: Uint8Array, at: number): number {
  const hundreds = buf[at]! - 0x30;
  const rest = twoDigits(buf, at + 1);
  return hundreds >= 0 && hundreds <= 9 && rest >= 0 ? hundreds * 100 + rest : -1;
}

function monthKey(buf: Uint8Array, at: number): number {
  return (buf[at]! << 16) | (buf[at + 1]! << 8) | buf[at + 2]!;
}

// A file's lines share their month: remember the last one rather than hash its letters each time.
let lastMonthKey = -1;
let lastMonth: number | undefined;

function monthOf(key: number): number | undefined {
  if (key !== lastMonthKey) {
    lastMonthKey = key;
    lastMonth = MONTHS.get(key);
  }
  return lastMonth;
}

// A file's lines share their day: remember the last one's midnight rather than ask Date.UTC each time.
let lastDayKey = -1;
let lastDayMs = 0;

function dayStartMs(year: number, month: number, day: number): number {
  const key = (year * 16 + month) * 32 + day;
  if (key !== lastDayKey) {
    lastDayKey = key;
    lastDayMs = Date.UTC(year, month, day);
  }
  return lastDayMs;
}

function daysInMonth(year: number, month: number): number {
  if (month !== 1) return DAYS_IN_MONTH[month]!;
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}
