/**
 * Search: `dcs-log-archiver search` over N archived objects, against a plain parallel GET of the
 * same objects (workers/plain-get.mjs: the SDK's GetObject in its own process, each body
 * drained, nothing else) at the same concurrency, alternated in the same run; medians. Both are
 * fresh processes timed from their first request to their last byte, as a user meets them. Both
 * read the same bytes from the same Swift; search also finds its objects through the manifests
 * and records (a GET and a LIST per instance), verifies every SHA-256 and matches every line.
 * The same GET from the bench's own process (warm code, connections already open) is shown
 * beside them, with its ratio, untargeted. Peak RSS of the search process is measured over all
 * N objects and over one instance's, to show it does not grow with the number of files.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { stringify } from 'yaml';
import { runArchiver } from '../archiver.js';
import { inPool } from '../bucket.js';
import type { BenchContext } from '../context.js';
import { parseTimeV } from '../archiver.js';
import type { Row } from '../report.js';
import { figure, fmt, mib, MiB, type Figure } from '../stats.js';
import { runWorker } from '../workers.js';

export interface SearchResult {
  files: number;
  bytes: number;
  concurrency: number;
  pattern: string;
  matches: number;
  getMiBps: Figure;
  /** The same GET from the bench's warm process. */
  warmGetMiBps: Figure;
  searchMiBps: Figure;
  /** Whole process: Node start-up, config, manifests and records included. */
  searchWallMiBps: Figure;
  ratio: Figure;
  warmRatio: Figure;
  peakRss: Figure;
  smallFiles: number;
  peakRssSmall: Figure;
}

const PATTERN = 'MASTER MODE enabled|Failover election won';
const CONCURRENCY = 8;

export async function search(ctx: BenchContext): Promise<SearchResult> {
  const { options, sim, bucket, setup, runPrefix, progress } = ctx;
  const instances = options.quick ? 4 : 20;
  const bytes = (options.quick ? 1 : 2) * MiB;
  const { instances: made, logs } = sim.addFleet({ name: 'search', instances, replicas: 2, days: 3, bytes });
  const ids = made.map((i) => i.id);
  const prefix = `${runPrefix}search/`;
  progress(`search: archiving ${logs.length} files of ${mib(bytes)} to read back`);
  await runArchiver(setup, { label: 'search-archive', instances: ids, prefix, concurrency: CONCURRENCY });

  const keys: string[] = [];
  for (const log of logs) keys.push(`${prefix}${log.instanceId}/${log.date}/${log.fileName}`);
  const total = logs.reduce((sum, log) => sum + log.size, 0);
  const configFile = join(setup.workDir, 'search.yaml');
  await writeFile(
    configFile,
    stringify({
      archive: { concurrency: CONCURRENCY },
      destination: { url: `s3://${setup.bucket.name}/${prefix}`, endpoint: setup.bucket.endpoint, region: 'us-east-1', forcePathStyle: true },
    }),
  );

  const keysFile = join(setup.workDir, 'search-keys.txt');
  await writeFile(keysFile, `${keys.join('\n')}\n`);

  const get: number[] = [];
  const warmGet: number[] = [];
  const found: number[] = [];
  const wall: number[] = [];
  const ratio: number[] = [];
  const warmRatio: number[] = [];
  const rss: number[] = [];
  const rssSmall: number[] = [];
  let matches = 0;
  const checked = (label: string, read: number) => {
    if (read !== total) throw new Error(`search bench: ${label} read ${read} bytes, the objects hold ${total}`);
  };
  const plainGet = async (): Promise<number> => {
    const result = await runWorker(ctx.root, 'plain-get.mjs', [JSON.stringify({ endpoint: setup.bucket.endpoint, bucket: setup.bucket.name, keysFile, concurrency: CONCURRENCY })], {
      AWS_ACCESS_KEY_ID: setup.bucket.accessKeyId,
      AWS_SECRET_ACCESS_KEY: setup.bucket.secretAccessKey,
    });
    checked('the GET baseline', result.bytes);
    return total / MiB / (result.ms / 1000);
  };
  const warmPlainGet = async (): Promise<number> => {
    const started = performance.now();
    let read = 0;
    await inPool(keys.length, CONCURRENCY, async (i) => {
      const got = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.bucket, Key: keys[i] }));
      for await (const chunk of got.Body as AsyncIterable<Buffer>) read += chunk.length;
    });
    checked('the warm GET', read);
    return total / MiB / ((performance.now() - started) / 1000);
  };
  for (let run = 0; run < options.runs; run++) {
    // The order swaps every run: neither side always meets the store just after the other's load.
    const getFirst = run % 2 === 0;
    progress(`search: run ${run + 1}/${options.runs}: ${getFirst ? 'plain parallel GET, then search' : 'search, then plain parallel GET'} of ${keys.length} objects, then the warm GET`);
    const firstGet = getFirst ? await plainGet() : undefined;
    const searched = await runSearch(setup, configFile, `search-${run}`, []);
    get.push(firstGet ?? (await plainGet()));
    warmGet.push(await warmPlainGet());
    checked('search', searched.bytes);
    found.push(total / MiB / (searched.ms / 1000));
    wall.push(total / MiB / (searched.wallMs / 1000));
    ratio.push(found.at(-1)! / get.at(-1)!);
    warmRatio.push(found.at(-1)! / warmGet.at(-1)!);
    rss.push(searched.maxRssBytes);
    matches = searched.matches;

    const small = await runSearch(setup, configFile, `search-small-${run}`, ['--instance', ids[0]!]);
    rssSmall.push(small.maxRssBytes);
  }
  return {
    files: keys.length,
    bytes: total,
    concurrency: CONCURRENCY,
    pattern: PATTERN,
    matches,
    getMiBps: figure(get, 'MiB/s'),
    warmGetMiBps: figure(warmGet, 'MiB/s'),
    searchMiBps: figure(found, 'MiB/s'),
    searchWallMiBps: figure(wall, 'MiB/s'),
    ratio: figure(ratio, '×'),
    warmRatio: figure(warmRatio, '×'),
    peakRss: figure(rss, 'bytes'),
    smallFiles: 6,
    peakRssSmall: figure(rssSmall, 'bytes'),
  };
}

interface SearchRun {
  ms: number;
  wallMs: number;
  bytes: number;
  matches: number;
  maxRssBytes: number;
}

/** `node dist/cli.js search PATTERN` as its own process, under /usr/bin/time -v for its peak RSS. */
async function runSearch(setup: BenchContext['setup'], configFile: string, label: string, extra: string[]): Promise<SearchRun> {
  const { root, workDir, bucket: b } = setup;
  const outFile = join(workDir, `${label}.out`);
  const logFile = join(workDir, `${label}.log`);
  const timeFile = join(workDir, `${label}.time.txt`);
  // With --profile, the search process's V8 CPU profile too (.bench/profiles/{label}.cpuprofile).
  const profile = setup.profileDir ? ['--cpu-prof', '--cpu-prof-dir', setup.profileDir, '--cpu-prof-name', `${label}.cpuprofile`] : [];
  const cli = [...profile, join(root, 'dist/cli.js'), 'search', PATTERN, '--config', configFile, ...extra];
  const useTime = existsSync('/usr/bin/time');
  const [command, args] = useTime ? ['/usr/bin/time', ['-v', '-o', timeFile, process.execPath, ...cli]] : [process.execPath, cli];
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', AWS_ACCESS_KEY_ID: b.accessKeyId, AWS_SECRET_ACCESS_KEY: b.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true', LOG_FORMAT: 'json', LOG_LEVEL: 'debug' };
  const out = openSync(outFile, 'w');
  const err = openSync(logFile, 'w');
  const started = performance.now();
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', out, err] });
    child.once('error', reject);
    child.once('close', (c) => resolve(c ?? 1));
  });
  const wallMs = performance.now() - started;
  closeSync(out);
  closeSync(err);
  const lines = (await readFile(logFile, 'utf8')).split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
  const finished = lines.find((line) => line.msg === 'search finished');
  if (code !== 0 || !finished) throw new Error(`search "${label}" exited ${code}${finished ? '' : ' without a summary'} (log: ${logFile})`);
  const timed = useTime ? parseTimeV(await readFile(timeFile, 'utf8')) : undefined;
  return { ms: Number(finished.ms), wallMs, bytes: Number(finished.bytes), matches: Number(finished.matches), maxRssBytes: (timed?.maxRssKiB ?? Number.NaN) * 1024 };
}

export function searchRows(r: SearchResult): Row[] {
  const s = `search ${r.files} objects × ${mib(r.bytes / r.files)} (c=${r.concurrency})`;
  const spread = (f: Figure, digits = 1) => (f.samples.length > 1 ? ` (${f.samples.map((v) => fmt(v, digits)).join(' / ')})` : '');
  const ratio = r.ratio.median;
  const rss = r.peakRss.median;
  return [
    { scenario: s, metric: 'plain parallel GET of the same objects, its own process (SDK GetObject, bodies drained)', value: `${fmt(r.getMiBps.median)} MiB/s${spread(r.getMiBps)}` },
    { scenario: s, metric: `search /${r.pattern}/ (selection, SHA-256, every line matched; ${r.matches} matches)`, value: `${fmt(r.searchMiBps.median)} MiB/s${spread(r.searchMiBps)}` },
    { scenario: s, metric: 'search, whole process (start-up included)', value: `${fmt(r.searchWallMiBps.median)} MiB/s${spread(r.searchWallMiBps)}` },
    { scenario: s, metric: 'ratio search / plain GET', value: `${fmt(ratio, 2)}${spread(r.ratio, 2)}`, target: '≥ 0.8', status: ratio >= 0.8 ? 'PASS' : 'MISS' },
    { scenario: s, metric: 'the same GET from the bench process (warm code, open connections)', value: `${fmt(r.warmGetMiBps.median)} MiB/s${spread(r.warmGetMiBps)}` },
    { scenario: s, metric: 'ratio search / warm GET (no target)', value: `${fmt(r.warmRatio.median, 2)}${spread(r.warmRatio, 2)}` },
    { scenario: s, metric: `peak RSS over ${r.files} objects / over ${r.smallFiles}`, value: `${mib(rss)} / ${mib(r.peakRssSmall.median)}`, target: '≤ 160 MiB', status: rss <= 160 * MiB ? 'PASS' : 'MISS' },
  ];
}
