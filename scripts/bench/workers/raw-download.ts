/**
 * Baseline: the raw download alone. A plain GET of a fresh link with undici, drained to nowhere.
 * Run as its own process (the simulator serves from the bench's): `raw-download.ts LINK`.
 * Prints one JSON line: {bytes, ms, cpuS} (CPU of the transfer alone).
 */
import { Agent, request } from 'undici';

const link = process.argv[2];
if (!link) throw new Error('usage: raw-download.ts LINK');
const dispatcher = new Agent({ connections: 1 });
const cpu = process.cpuUsage();
const started = performance.now();
const { statusCode, body } = await request(link, { method: 'GET', dispatcher });
if (statusCode !== 200) throw new Error(`download answered ${statusCode}`);
let bytes = 0;
for await (const chunk of body) bytes += (chunk as Buffer).length;
const ms = performance.now() - started;
const used = process.cpuUsage(cpu);
const cpuS = (used.user + used.system) / 1e6;
await dispatcher.close();
process.stdout.write(`${JSON.stringify({ bytes, ms, cpuS })}\n`);
