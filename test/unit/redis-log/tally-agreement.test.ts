import { describe, expect, it } from 'vitest';
import { LogEventReader } from '../../../src/redis-log/events.js';
import { parseLogLine } from '../../../src/redis-log/line.js';
import { EventTally, MAX_LINE_BYTES, type EventCounts } from '../../../src/redis-log/tally.js';
import { MAJORS } from './majors.js';

/**
 * The tally's shortcuts (a layout read at fixed offsets, starts matched before the fields, marks
 * before the warning expressions) against the plain reading: every line cut at its newline,
 * decoded, and handed to LogEventReader, a line over the bound skipped. Both see the same bytes.
 */
function plainCounts(bytes: Buffer, year: number): EventCounts {
  const reader = new LogEventReader(year);
  const out: EventCounts = {};
  for (let at = 0; at <= bytes.length; ) {
    const found = bytes.indexOf(0x0a, at);
    const end = found === -1 ? bytes.length : found;
    if (end - at > MAX_LINE_BYTES) reader.skip();
    else if (found !== -1 || end > at) {
      const event = reader.read(bytes.toString('utf8', at, end));
      if (event) {
        const time = new Date(event.timeMs).toISOString();
        const seen = out[event.kind];
        if (!seen) out[event.kind] = { count: 1, first: time, last: time };
        else {
          seen.count += 1;
          if (time < seen.first) seen.first = time;
          if (time > seen.last) seen.last = time;
        }
      }
    }
    at = end + 1;
  }
  return out;
}

function tallied(bytes: Buffer, year: number, size: () => number): EventCounts {
  const tally = new EventTally(year);
  for (let at = 0; at < bytes.length; ) {
    const next = Math.min(bytes.length, at + Math.max(1, size()));
    tally.push(bytes.subarray(at, next));
    at = next;
  }
  return tally.counts();
}

/** A small deterministic PRNG, so a failing input can be rebuilt from its seed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Every message of the captured majors, events and not, with the level it was logged at. */
const MESSAGES = Object.values(MAJORS).flatMap(({ year, lines }) =>
  lines.flatMap(([text]) => {
    const line = parseLogLine(text, year);
    return line && !line.signalHandler ? [{ level: line.level, message: line.message }] : [];
  }),
);

/** Messages that come close to an event's wording without being one, or sit at its edges. */
const NEAR = [
  'REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.',
  'REPLICAOF 10.0.0.1:6379\u00a0enabled',
  'REPLICAOF 10.0.0.1:6379\u2003enabled',
  'REPLICAOF 10.0.0.1\u2003x enabled',
  'Background AOF rewrite terminated with success',
  'Background saving',
  'MASTER <-> REPLICA sync: receiving streamed RDB from master with EMPTY file',
  'Successfully created the temporary AOF base file',
  'Client closed by OOMkiller',
  'an OOM here',
  'this is by the way',
  'Cannot',
  'café maxmemory',
  'xm',
  'B',
  '',
];

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pick<T>(random: () => number, from: readonly T[]): T {
  return from[Math.floor(random() * from.length)]!;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** One line in one of the layouts Redis writes, or something that only looks like one. */
function line(random: () => number): string {
  const roll = random();
  const { level: logged, message } = roll < 0.12 ? { level: pick(random, ['*', '#'] as const), message: pick(random, NEAR) } : pick(random, MESSAGES);
  const level = random() < 0.8 ? logged : pick(random, ['.', '-', '*', '#']);
  const pid = Math.floor(random() * 10 ** (1 + Math.floor(random() * 7)));
  const day = 1 + Math.floor(random() * 28);
  const clock = `${pad(Math.floor(random() * 24), 2)}:${pad(Math.floor(random() * 60), 2)}:${pad(Math.floor(random() * 60), 2)}.${pad(Math.floor(random() * 1000), 3)}`;
  const month = pick(random, MONTHS);
  const layout = random();
  if (layout < 0.55) return `${pid}:${pick(random, ['M', 'S', 'C', 'X'])} ${pad(day, 2)} ${month} 2026 ${clock} ${level} ${message}`;
  if (layout < 0.62) return `${pid}:M ${day} ${month} 2026 ${clock} ${level} ${message}`;
  if (layout < 0.7) return `${pid}:S ${pad(day, 2)} ${month} ${clock} ${level} ${message}`;
  if (layout < 0.76) return `[${pid}] ${pad(day, 2)} ${month} ${clock} ${level} ${message}`;
  if (layout < 0.8) return `${pid}:signal-handler (${1_796_000_000 + pid}) ${random() < 0.5 ? '' : message}`;
  if (layout < 0.83) return '--- WATCHDOG TIMER EXPIRED ---';
  // Near misses of the layout the tally reads at fixed offsets: an impossible day, a pid too long, a month unknown, a clock cut short.
  if (layout < 0.85) return `${pid}:M 31 Feb 2026 ${clock} ${level} ${message}`;
  if (layout < 0.87) return `12345678901:M ${pad(day, 2)} ${month} 2026 ${clock} ${level} ${message}`;
  if (layout < 0.89) return `${pid}:M ${pad(day, 2)} Xyz 2026 ${clock} ${level} ${message}`;
  if (layout < 0.91) return `${pid}:M ${pad(day, 2)} ${month} 2026 ${clock.slice(0, 8)}:000 ${level} ${message}`;
  if (layout < 0.93) return `${pid}:M ${pad(day, 2)} ${month} 2026 ${clock} ${level} ${message} ${'x'.repeat(MAX_LINE_BYTES)}`;
  if (layout < 0.96) return message;
  return '                _._                                                  ';
}

/** Lines joined by LF or CRLF, with a stray byte that is no UTF-8 now and then. */
function text(seed: number, lines: number): Buffer {
  const random = prng(seed);
  const parts: Buffer[] = [];
  for (let i = 0; i < lines; i++) {
    const bytes = Buffer.from(line(random));
    if (random() < 0.03 && bytes.length > 40) bytes[35 + Math.floor(random() * (bytes.length - 36))] = 0xa0;
    parts.push(bytes, Buffer.from(random() < 0.2 ? '\r\n' : '\n'));
  }
  if (random() < 0.5) parts.pop();
  return Buffer.concat(parts);
}

describe('EventTally and the plain line-by-line reading', () => {
  it('count the same events, first and last times over varied lines, whatever the chunks', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const bytes = text(seed, 400);
      const expected = plainCounts(bytes, 2026);
      const random = prng(seed * 7919);
      expect(tallied(bytes, 2026, () => 64 * 1024), `seed ${seed}, one chunk`).toEqual(expected);
      expect(tallied(bytes, 2026, () => 1 + Math.floor(random() * 300)), `seed ${seed}, chunks up to 300 bytes`).toEqual(expected);
      expect(tallied(bytes, 2026, () => 1 + Math.floor(random() * 9000)), `seed ${seed}, chunks up to 9000 bytes`).toEqual(expected);
    }
  });

  it('find events in the varied lines at all, of most kinds (the comparison above is not between two empty tallies)', () => {
    const counts = plainCounts(Buffer.concat(Array.from({ length: 40 }, (_, i) => text(i + 1, 400))), 2026);
    expect(Object.keys(counts).length).toBeGreaterThanOrEqual(14);
  });

  it('count the same when every chunk is one byte', () => {
    for (let seed = 41; seed <= 44; seed++) {
      const bytes = text(seed, 120);
      expect(tallied(bytes, 2026, () => 1), `seed ${seed}`).toEqual(plainCounts(bytes, 2026));
    }
  });
});
