/**
 * Throughput of the archive-time event tally (src/redis-log/tally.ts), which sees every archived
 * byte, over two texts of the same size fed in 64 KiB chunks, as a download delivers them:
 *   simulator  the simulator's Redis log text (its generator writes the real line format), about
 *              a third of its lines events: the dense case
 *   sparse     the same lines with most event lines dropped, one event line per ~200 lines, as
 *              real logs run
 * Rows: the tally alone, a plain SHA-256, the transfer's Meter (byte count + SHA-256) without and
 * with the tally. The two columns of one run share the machine's load, so compare them with
 * each other.
 *
 *   npx tsx scripts/bench/tally.ts [--mib 100] [--runs 5]
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { buildTemplate } from '../../sim/content.js';
import { LogEventReader } from '../../src/redis-log/events.js';
import { EventTally } from '../../src/redis-log/tally.js';
import { Meter } from '../../src/transfer/meter.js';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '100' }, runs: { type: 'string', default: '5' } } });
const MiB = 1024 * 1024;
const size = Number(values.mib) * MiB;
const runs = Number(values.runs);
const CHUNK = 64 * 1024;
const SPARSE_EVERY = 200;

const template = buildTemplate(7, '2026-11-14');

/** The template's lines, keeping an event line only once SPARSE_EVERY - 1 other lines have passed. */
function sparse(text: Buffer): Buffer {
  const reader = new LogEventReader(2026);
  const kept: string[] = [];
  let since = 0;
  for (const line of text.toString('utf8').split('\n').slice(0, -1)) {
    if (!reader.read(line)) {
      kept.push(line);
      since += 1;
    } else if (since >= SPARSE_EVERY - 1) {
      kept.push(line);
      since = 0;
    }
  }
  return Buffer.from(`${kept.join('\n')}\n`);
}

function chunksOf(text: Buffer): Buffer[] {
  const buffer = Buffer.allocUnsafe(size);
  for (let at = 0; at < size; at += text.length) text.copy(buffer, at, 0, Math.min(text.length, size - at));
  const chunks: Buffer[] = [];
  for (let at = 0; at < size; at += CHUNK) chunks.push(buffer.subarray(at, Math.min(size, at + CHUNK)));
  return chunks;
}

function lineCount(text: Buffer): number {
  let lines = 0;
  for (let at = text.indexOf(0x0a); at !== -1; at = text.indexOf(0x0a, at + 1)) lines += 1;
  return lines;
}

const texts = { simulator: template, sparse: sparse(template) };
const chunks = { simulator: chunksOf(texts.simulator), sparse: chunksOf(texts.sparse) };

function tallied(of: Buffer[]): Record<string, number> {
  const tally = new EventTally(2026);
  for (const chunk of of) tally.push(chunk);
  return Object.fromEntries(Object.entries(tally.counts()).map(([kind, c]) => [kind, c!.count]));
}

function hashed(of: Buffer[]): string {
  const hash = createHash('sha256');
  for (const chunk of of) hash.update(chunk);
  return hash.digest('hex');
}

function throughMeter(of: Buffer[], tally: EventTally | undefined): string {
  const meter = new Meter(size, undefined, tally);
  for (const chunk of of) meter.update(chunk);
  meter.end();
  tally?.counts();
  return meter.sha256();
}

const rows: Array<[string, (of: Buffer[]) => unknown]> = [
  ['tally', tallied],
  ['sha256', hashed],
  ['meter', (of) => throughMeter(of, undefined)],
  ['meter+tally', (of) => throughMeter(of, new EventTally(2026))],
];

/** Median and best MiB/s of `runs` runs, with the last run's result. */
function measure(work: () => unknown): { median: number; best: number; result: unknown } {
  const rates: number[] = [];
  let result: unknown;
  for (let run = 0; run < runs; run++) {
    const started = process.hrtime.bigint();
    result = work();
    rates.push(size / MiB / (Number(process.hrtime.bigint() - started) / 1e9));
  }
  rates.sort((a, b) => a - b);
  return { median: rates[Math.floor(rates.length / 2)]!, best: rates[rates.length - 1]!, result };
}

console.log(`${values.mib} MiB per text in ${CHUNK / 1024} KiB chunks; MiB/s, median (best) of ${runs}`);
for (const [name, text] of Object.entries(texts)) {
  const events = Object.values(tallied([text])).reduce((sum, n) => sum + n, 0);
  console.log(`  ${name.padEnd(10)} ${lineCount(text)} lines, ${events} events per ${(text.length / MiB).toFixed(2)} MiB`);
}
console.log(`${''.padEnd(12)} ${'simulator'.padStart(16)} ${'sparse'.padStart(16)}`);
const counts: Record<string, unknown> = {};
for (const [label, work] of rows) {
  const cells = (['simulator', 'sparse'] as const).map((name) => {
    const { median, best, result } = measure(() => work(chunks[name]));
    if (label === 'tally') counts[name] = result;
    return `${median.toFixed(0)} (${best.toFixed(0)})`.padStart(16);
  });
  console.log(`${label.padEnd(12)} ${cells.join(' ')}`);
}
for (const [name, result] of Object.entries(counts)) console.log(`${name} counts: ${JSON.stringify(result)}`);
