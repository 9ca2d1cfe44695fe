/**
 * Counts a run log's Redis events while its bytes pass on their way to the bucket, so the
 * record can carry them without a second read. It sees every archived byte, so it reads lines
 * in place and does the least first: newlines are found with Buffer#indexOf; a line in the
 * layout of Redis 5.0 and later has its level and the first bytes of its message read at fixed
 * offsets, and most lines end there (no event starts so, and it is no warning); only a line
 * whose message starts an event, or a warning holding one of its phrases' marks, has its fields
 * read (`scanLogLine`). Other layouts take the full path (`scanLogLine`, `classifyMessageBytes`).
 * A line is decoded into a string only for a warning's expressions, a start's `then` test, or a
 * signal handler's, whose message may go on in the next line. What it counts is exactly what
 * `LogEventReader` finds reading the same text line by line (lines longer than MAX_LINE_BYTES
 * aside): test/unit/redis-log/tally-agreement.test.ts holds the two side by side.
 */
import { classifyMessageBytes, LogEventReader, startKindBytes, warningKindBytes, type RedisEventKind } from './events.js';
import { scanLogLine, scannedLine } from './line.js';

/** Per kind: how many, and the earliest and latest time (ISO-8601 UTC). */
export type EventCounts = Partial<Record<RedisEventKind, { count: number; first: string; last: string }>>;

/**
 * Redis cuts a log message at 1 KiB, so a longer line is none of its log lines (a stack trace,
 * a banner, a file with no newlines): it is skipped, and never held beyond this.
 */
export const MAX_LINE_BYTES = 4096;

const NEWLINE = 0x0a;
const CR = 0x0d;
const HASH = 0x23;

/**
 * Where the message of the line [start, stop) starts when the line has the layout every Redis
 * since 5.0 writes (`pid:R dd Mon yyyy hh:mm:ss.mmm L message`), judged without reading the
 * rest: with `:` at +17 and +20, `.` at +23 and spaces at +27 and +29 after the pid's colon, no
 * other layout of a log line fits, so the level is at +28 and the message at +30. -1 for a line
 * of another layout (or too short to tell), which is left to `scanLogLine`.
 */
function modernMessageStart(buf: Buffer, start: number, stop: number): number {
  let colon = start;
  while (colon < stop && colon - start < 11 && buf[colon]! >= 0x30 && buf[colon]! <= 0x39) colon += 1;
  if (colon === start || buf[colon] !== 0x3a || colon + 32 > stop) return -1;
  if (buf[colon + 17] !== 0x3a || buf[colon + 20] !== 0x3a || buf[colon + 23] !== 0x2e || buf[colon + 27] !== 0x20 || buf[colon + 29] !== 0x20) return -1;
  return colon + 30;
}

export class EventTally {
  private readonly reader: LogEventReader;
  private readonly found = new Map<RedisEventKind, { count: number; firstMs: number; lastMs: number }>();
  /** The start of a line cut by a chunk boundary. */
  private readonly carry: Buffer;
  private carried = 0;
  /** The line being carried is already longer than MAX_LINE_BYTES: skip to its end. */
  private overlong = false;
  private finished = false;
  private readonly scanned = scannedLine();
  /** Mirrors `reader.awaitsNextLine`, read on every line: a field costs less than asking. */
  private awaiting = false;

  /** `fallbackYear`: the year of the file's date, for the formats whose lines carry none. */
  constructor(
    private readonly fallbackYear: number,
    private readonly maxLineBytes = MAX_LINE_BYTES,
  ) {
    this.reader = new LogEventReader(fallbackYear);
    this.carry = Buffer.allocUnsafe(maxLineBytes);
  }

  push(chunk: Buffer): void {
    if (this.finished) throw new Error('EventTally: push after counts()');
    let at = 0;
    if (this.carried > 0 || this.overlong) {
      const newline = chunk.indexOf(NEWLINE);
      const head = newline === -1 ? chunk.length : newline;
      this.append(chunk, 0, head);
      if (newline === -1) return;
      if (!this.overlong) this.line(this.carry, 0, this.carried);
      else this.skip();
      this.carried = 0;
      this.overlong = false;
      at = newline + 1;
    }
    for (;;) {
      const newline = chunk.indexOf(NEWLINE, at);
      if (newline === -1) break;
      if (newline - at > this.maxLineBytes) this.skip();
      else this.line(chunk, at, newline);
      at = newline + 1;
    }
    if (at < chunk.length) this.append(chunk, at, chunk.length);
  }

  /** Everything counted; a last line without a newline counts too. Call once, after the last chunk. */
  counts(): EventCounts {
    if (!this.finished) {
      this.finished = true;
      if (this.carried > 0 && !this.overlong) this.line(this.carry, 0, this.carried);
    }
    const out: EventCounts = {};
    for (const [kind, { count, firstMs, lastMs }] of this.found) {
      out[kind] = { count, first: new Date(firstMs).toISOString(), last: new Date(lastMs).toISOString() };
    }
    return out;
  }

  private append(chunk: Buffer, start: number, end: number): void {
    if (this.overlong) return;
    if (this.carried + (end - start) > this.maxLineBytes) {
      this.overlong = true;
      return;
    }
    chunk.copy(this.carry, this.carried, start, end);
    this.carried += end - start;
  }

  private line(buf: Buffer, start: number, end: number): void {
    const stop = end > start && buf[end - 1] === CR ? end - 1 : end;
    const message = this.awaiting ? -1 : modernMessageStart(buf, start, stop);
    if (message !== -1) {
      // Most lines end here, their message no event's, before any field is read.
      const kind = startKindBytes(buf, message, stop) ?? (buf[message - 2] === HASH ? warningKindBytes(buf, message, stop) : undefined);
      // The layout fits; the line is a log line when its fields read (a signal handler's never fits).
      if (kind !== undefined && scanLogLine(buf, start, stop, this.fallbackYear, this.scanned)) this.count(kind, this.scanned.timeMs);
      return;
    }
    const scanned = this.scanned;
    const isLogLine = scanLogLine(buf, start, stop, this.fallbackYear, scanned);
    if (this.awaiting || (isLogLine && scanned.signalHandler)) {
      const event = this.reader.read(buf.toString('utf8', start, stop));
      this.awaiting = this.reader.awaitsNextLine;
      if (event) this.count(event.kind, event.timeMs);
      return;
    }
    if (!isLogLine) return;
    const kind = classifyMessageBytes(scanned.levelCode, buf, scanned.messageStart, stop);
    if (kind) this.count(kind, scanned.timeMs);
  }

  /** A line that is no log line and no continuation (too long to be either). */
  private skip(): void {
    if (!this.awaiting) return;
    this.reader.skip();
    this.awaiting = false;
  }

  private count(kind: RedisEventKind, timeMs: number): void {
    const seen = this.found.get(kind);
    if (!seen) this.found.set(kind, { count: 1, firstMs: timeMs, lastMs: timeMs });
    else {
      seen.count += 1;
      if (timeMs < seen.firstMs) seen.firstMs = timeMs;
      if (timeMs > seen.lastMs) seen.lastMs = timeMs;
    }
  }
}
