/**
 * `npm run bench`: performance figures of real archive passes (issue 6). Starts the DCS
 * simulator in this process, a local Swift and a counting proxy, runs each scenario with its
 * baseline in the same invocation, prints a table with PASS/MISS per target and writes
 * .bench/results.json (and .bench/results.md). See scripts/bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ArchiverSetup } from './archiver.js';
import { measureStoreRates, startBucket, type Bucket } from './bucket.js';
import type { BenchContext } from './context.js';
import { startCountingProxy, type CountingProxy } from '../../test/support/bucket-proxy.js';
import { describeMachine } from './machine.js';
import { parseOptions, USAGE, type BenchOptions } from './options.js';
import { machineLine, markdownTable, printTable, rows, type Results } from './report.js';
import { bigFile } from './scenarios/big-file.js';
import { fleet } from './scenarios/fleet.js';
import { scale } from './scenarios/scale.js';
import { search, searchRows } from './scenarios/search.js';
import { startSim, type SimHost } from './sim-host.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

async function main(): Promise<number> {
  let options: BenchOptions | 'help';
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  const staleness = checkDist();
  if (staleness.missing) {
    console.error('bench: dist/cli.js is missing; run `npm run build` first (the bench measures the built archiver).');
    return 2;
  }
  if (staleness.newerSource) {
    console.error(`bench: warning: ${staleness.newerSource} is newer than dist/; the figures are of the last build (run \`npm run build\`).`);
  }

  const started = Date.now();
  const machine = describeMachine(ROOT);
  const benchDir = join(ROOT, '.bench');
  const workDir = join(benchDir, 'work');
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });
  const progress = (message: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}`);

  let sim: SimHost | undefined;
  let bucket: Bucket | undefined;
  let proxy: CountingProxy | undefined;
  const cleanup = async () => {
    await proxy?.close();
    await sim?.sim.close();
    await bucket?.stop();
  };
  const onSignal = () => {
    console.error('bench: interrupted; stopping Swift and the simulator');
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    progress(`machine: ${machineLine(machine)}`);
    progress(`starting the DCS simulator (latency ${options.latencyMs} ms) and Swift`);
    sim = await startSim(options.latencyMs);
    bucket = await startBucket();
    proxy = await startCountingProxy(bucket.swift.endpoint);
    const runPrefix = `bench-${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}/`;
    const setup: ArchiverSetup = {
      root: ROOT,
      workDir,
      ...(options.profile ? { profileDir: join(benchDir, 'profiles') } : {}),
      dcs: { endpoint: sim.sim.endpoint, projectId: sim.projectId, ak: sim.ak, sk: sim.sk },
      bucket: { endpoint: bucket.swift.endpoint, name: bucket.bucket, accessKeyId: bucket.swift.accessKeyId, secretAccessKey: bucket.swift.secretAccessKey },
      dcsRate: options.dcsRate,
    };
    progress('measuring the store alone');
    const storeRates = await measureStoreRates(bucket, `${runPrefix}store-rates/`, options.quick ? 64 : 160, options.sizes.fleetConcurrency);
    const ctx: BenchContext = { options, root: ROOT, sim, bucket, proxy, setup, runPrefix, storeRates, progress };

    const results: Results = { machine, storeRates, latencyMs: options.latencyMs, runs: options.runs, fleetRuns: options.fleetRuns, scaleRuns: options.scaleRuns };
    if (options.only.includes('big-file')) results.bigFile = await bigFile(ctx);
    if (options.only.includes('fleet')) results.fleet = await fleet(ctx);
    if (options.only.includes('scale')) results.scale = await scale(ctx);

    const table = [...rows(results), ...(options.only.includes('search') ? searchRows(await search(ctx)) : [])];
    const durationS = Math.round((Date.now() - started) / 1000);
    console.log(`\n${machineLine(machine)}\ndcs.requestsPerSecond ${options.dcsRate}, latency ${options.latencyMs} ms, ${options.runs} run(s) per big-file figure, fleet ${options.fleetRuns} run(s), scale ${options.scaleRuns} run(s) (medians; samples in brackets)${options.quick ? ', QUICK sizes' : ''}`);
    console.log(printTable(table));
    const misses = table.filter((row) => row.status === 'MISS').length;
    const passes = table.filter((row) => row.status === 'PASS').length;
    console.log(`\n${passes} PASS, ${misses} MISS in ${durationS} s`);
    if (results.scale) console.log(`scale seeding: ${results.scale.seeding.method}`);

    const out = resolve(ROOT, options.out);
    await mkdir(dirname(out), { recursive: true });
    const json = {
      ...results,
      options: { ...options },
      distNewerSource: staleness.newerSource ?? null,
      durationS,
      targets: table.filter((row) => row.status),
      table,
    };
    await writeFile(out, `${JSON.stringify(json, null, 1)}\n`);
    await writeFile(out.replace(/\.json$/, '.md'), `Measured on ${machineLine(machine)}; dcs.requestsPerSecond ${options.dcsRate}; latency ${options.latencyMs} ms; runs: big file ${options.runs}, fleet ${options.fleetRuns}, scale ${options.scaleRuns}${options.quick ? ' (QUICK sizes)' : ''}.\n\n${markdownTable(table)}\n`);
    console.log(`results: ${out}`);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

/** The archiver under test is dist/; say so when src/ changed after the last build. */
function checkDist(): { missing: boolean; newerSource?: string } {
  const cli = join(ROOT, 'dist/cli.js');
  if (!existsSync(cli)) return { missing: true };
  const built = statSync(cli).mtimeMs;
  const newest = newestFile(join(ROOT, 'src'));
  return newest && newest.mtimeMs > built + 1000 ? { missing: false, newerSource: newest.path.slice(ROOT.length + 1) } : { missing: false };
}

function newestFile(dir: string): { path: string; mtimeMs: number } | undefined {
  let best: { path: string; mtimeMs: number } | undefined;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const candidate = entry.isDirectory() ? newestFile(path) : { path, mtimeMs: statSync(path).mtimeMs };
    if (candidate && (!best || candidate.mtimeMs > best.mtimeMs)) best = candidate;
  }
  return best;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  },
);
