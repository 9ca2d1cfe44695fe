/**
 * Throughput of the archive-time event tally (src/redis-log/tally.ts), which sees every archived
 * byte: 100 MiB of the simulator's Redis log text (its generator writes the real line format) fed
 * in 64 KiB chunks, as a download delivers them, against a plain SHA-256 of the same chunks; then
 * the transfer's Meter stream (byte count + SHA-256) over the same chunks without and with it.
 * Rows of one run share the machine's load, so compare them with each other.
 *
 *   npx tsx scripts/bench/tally.ts [--mib 100] [--runs 5]
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { buildTemplate } from '../../sim/content.js';
import { EventTally } from '../../src/redis-log/tally.js';
import { Meter } from '../../src/transfer/meter.js';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '100' }, runs: { type: 'string', default: '5' } } });
const MiB = 1024 * 1024;
const size = Number(values.mib) * MiB;
const runs = Number(values.runs);
const CHUNK = 64 * 1024;

const template = buildTemplate(7, '2026-11-14');
const buffer = Buffer.allocUnsafe(size);
for (let at = 0; at < size; at += template.length) template.copy(buffer, at, 0, Math.min(template.length, size - at));
const chunks: Buffer[] = [];
for (let at = 0; at < size; at += CHUNK) chunks.push(buffer.subarray(at, Math.min(size, at + CHUNK)));

async function measure(label: string, work: () => unknown): Promise<void> {
  const rates: number[] = [];
  let result: unknown;
  for (let run = 0; run < runs; run++) {
    const started = process.hrtime.bigint();
    result = await work();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    rates.push(size / MiB / seconds);
  }
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)]!;
  console.log(`${label.padEnd(12)} ${median.toFixed(0).padStart(6)} MiB/s median, ${rates[rates.length - 1]!.toFixed(0)} best of ${runs} [${rates.map((r) => r.toFixed(0)).join(", ")}]`);
  if (typeof result === 'string') return;
  console.log(`             ${JSON.stringify(result)}`);
}

console.log(`${values.mib} MiB of simulated Redis log in ${CHUNK / 1024} KiB chunks, ${template.toString('latin1').split('\n').length - 1} lines per ${(template.length / MiB).toFixed(2)} MiB`);
await measure('tally', () => {
  const tally = new EventTally(2026);
  for (const chunk of chunks) tally.push(chunk);
  const counts = tally.counts();
  return Object.fromEntries(Object.entries(counts).map(([kind, c]) => [kind, c!.count]));
});
await measure('sha256', () => {
  const hash = createHash('sha256');
  for (const chunk of chunks) hash.update(chunk);
  return hash.digest('hex');
});

async function throughMeter(tally: EventTally | undefined): Promise<string> {
  const meter = new Meter(size, undefined, tally);
  for (const chunk of chunks) meter.update(chunk);
  meter.end();
  tally?.counts();
  return meter.sha256();
}
await measure('meter', () => throughMeter(undefined));
await measure('meter+tally', () => throughMeter(new EventTally(2026)));
