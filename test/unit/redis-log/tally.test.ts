import { describe, expect, it } from 'vitest';
import { buildTemplate } from '../../../sim/content.js';
import { LogEventReader } from '../../../src/redis-log/events.js';
import { EventTally, MAX_LINE_BYTES, type EventCounts } from '../../../src/redis-log/tally.js';
import { MAJORS } from './majors.js';

/** The reference: the text read line by line, as the read side will. */
function countLines(text: string, year: number): EventCounts {
  const reader = new LogEventReader(year);
  const out: EventCounts = {};
  for (const line of text.split('\n')) {
    const event = reader.read(line);
    if (!event) continue;
    const at = new Date(event.timeMs).toISOString();
    const seen = out[event.kind];
    if (!seen) out[event.kind] = { count: 1, first: at, last: at };
    else {
      seen.count += 1;
      if (at < seen.first) seen.first = at;
      if (at > seen.last) seen.last = at;
    }
  }
  return out;
}

function tally(bytes: Buffer, year: number, chunkSizes: (index: number) => number): EventCounts {
  const t = new EventTally(year);
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = Math.max(1, chunkSizes(i));
    t.push(bytes.subarray(at, at + size));
    at += size;
  }
  return t.counts();
}

/** A small deterministic PRNG, so a failing split can be replayed. */
function sizes(seed: number, max: number): (index: number) => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return 1 + (state % max);
  };
}

describe('EventTally', () => {
  const template = buildTemplate(11, '2026-11-14');

  it('counts what a line-by-line read counts, however the bytes are cut into chunks', () => {
    const expected = countLines(template.toString('utf8'), 2026);
    expect(Object.keys(expected).length).toBeGreaterThan(5);
    expect(tally(template, 2026, () => 64 * 1024)).toEqual(expected);
    expect(tally(template, 2026, sizes(1, 300))).toEqual(expected);
    expect(tally(template.subarray(0, 40_000), 2026, () => 1)).toEqual(countLines(template.subarray(0, 40_000).toString('utf8'), 2026));
  });

  it('counts the kept lines of every major as they are classified one by one', () => {
    for (const { year, lines } of Object.values(MAJORS)) {
      const text = lines.map(([line]) => line).join('\n');
      const counts = tally(Buffer.from(text), year, sizes(year, 97));
      const kinds = lines.flatMap(([, kind]) => kind ?? []);
      expect(Object.values(counts).reduce((sum, c) => sum + c!.count, 0)).toBe(kinds.length);
      expect(counts).toEqual(countLines(text, year));
    }
  });

  it('takes CRLF line ends, a last line without a newline, and a CR cut from its LF by a chunk boundary', () => {
    const lines = ['1:M 14 Nov 2026 02:00:00.000 * Background saving started by pid 2', '1:M 14 Nov 2026 02:00:05.000 * Background saving terminated with success'];
    const crlf = Buffer.from(lines.join('\r\n'));
    const cut = crlf.indexOf('\r') + 1;
    const t = new EventTally(2026);
    t.push(crlf.subarray(0, cut));
    t.push(crlf.subarray(cut));
    expect(t.counts()).toEqual({
      'rdb-save-started': { count: 1, first: '2026-11-14T02:00:00.000Z', last: '2026-11-14T02:00:00.000Z' },
      'rdb-save-finished': { count: 1, first: '2026-11-14T02:00:05.000Z', last: '2026-11-14T02:00:05.000Z' },
    });
  });

  it('gives each kind its earliest and latest time, and the year of the file to lines that carry none', () => {
    const text = ['9:M 14 Nov 03:00:00.000 * Background saving started by pid 1', '9:M 14 Nov 01:00:00.000 * Background saving started by pid 2', '9:M 14 Nov 02:00:00.000 * Background saving started by pid 3'].join('\n');
    expect(tally(Buffer.from(text), 2024, () => 1000)).toEqual({ 'rdb-save-started': { count: 3, first: '2024-11-14T01:00:00.000Z', last: '2024-11-14T03:00:00.000Z' } });
  });

  it("counts the watchdog's report when the chunk boundary falls between its two lines", () => {
    const text = '8338:signal-handler (1796197095) \n--- WATCHDOG TIMER EXPIRED ---\n';
    const cut = text.indexOf('\n') + 1;
    const t = new EventTally(2026);
    t.push(Buffer.from(text.slice(0, cut)));
    t.push(Buffer.from(text.slice(cut)));
    expect(t.counts()).toEqual({ 'latency-warning': { count: 1, first: '2026-12-02T07:38:15.000Z', last: '2026-12-02T07:38:15.000Z' } });
  });

  it('skips a line longer than the bound, in one chunk or many, and counts the lines after it', () => {
    const event = '1:M 14 Nov 2026 02:00:00.000 * Background saving started by pid 2';
    const long = `${event} ${'x'.repeat(MAX_LINE_BYTES)}`;
    const bytes = Buffer.from(`${long}\n${event}\n${long}`);
    const expected = { 'rdb-save-started': { count: 1, first: '2026-11-14T02:00:00.000Z', last: '2026-11-14T02:00:00.000Z' } };
    expect(tally(bytes, 2026, () => bytes.length)).toEqual(expected);
    expect(tally(bytes, 2026, () => 1000)).toEqual(expected);
  });

  it('holds no more than its bound for a file without newlines', () => {
    const t = new EventTally(2026, 1024);
    for (let i = 0; i < 1000; i++) t.push(Buffer.alloc(64 * 1024, 0x41));
    expect(t.counts()).toEqual({});
    // The carry buffer is the only thing kept between chunks, allocated once at its bound.
    expect((t as unknown as { carry: Buffer }).carry.length).toBe(1024);
  });

  it('reads multi-byte characters cut by a chunk boundary as one line', () => {
    const text = "1:M 14 Nov 2026 02:00:00.000 # WARNING: the new maxmemory value set via CONFIG SET (1) is smaller — café\n";
    const bytes = Buffer.from(text);
    const cut = bytes.indexOf(0xc3) + 1;
    expect(tally(bytes, 2026, (i) => (i === 0 ? cut : bytes.length))).toEqual({ 'memory-warning': { count: 1, first: '2026-11-14T02:00:00.000Z', last: '2026-11-14T02:00:00.000Z' } });
  });

  it('refuses a chunk after the counts were taken', () => {
    const t = new EventTally(2026);
    t.counts();
    expect(() => t.push(Buffer.from('x'))).toThrow(/after counts/);
  });
});
