/**
 * One real archive pass: `node dist/cli.js archive --config <temp config>` as a child process,
 * so its peak RSS and CPU are the archiver's alone. Measured with `/usr/bin/time -v` when
 * present, and always with preload.mjs (resource usage and event-loop delay at exit).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse, stringify } from 'yaml';

const TIME = '/usr/bin/time';

export interface ArchiverSetup {
  root: string;
  workDir: string;
  /** Where V8 CPU profiles go; none when undefined. */
  profileDir?: string;
  dcs: { endpoint: string; projectId: string; ak: string; sk: string };
  bucket: { endpoint: string; name: string; accessKeyId: string; secretAccessKey: string };
  /** dcs.requestsPerSecond of every pass unless the pass says otherwise; 'default' leaves it unset. */
  dcsRate: number | 'default';
}

export interface PassSpec {
  label: string;
  instances: string[];
  prefix: string;
  /** archive.concurrency; the archiver's default when absent. */
  concurrency?: number;
  /** Overrides the setup's dcs.requestsPerSecond for this pass. */
  dcsRate?: number | 'default';
  /** archive.partSizeMiB; the archiver's default when absent. */
  partSizeMiB?: number;
  /** Another bucket endpoint (the counting proxy) for this pass. */
  bucketEndpoint?: string;
}

export interface PassResult {
  label: string;
  exitCode: number;
  result: string;
  archived: number;
  skipped: number;
  failed: number;
  bytes: number;
  /** From the archiver's own `pass finished` line. */
  passMs: number;
  /** Spawn to exit, as seen from the bench (includes Node start-up). */
  wallMs: number;
  /** Per archived file: link → record, from its `archived` line. */
  fileMs: number[];
  maxRssBytes: number;
  rssSource: 'time -v' | 'process.resourceUsage';
  cpuUserS: number;
  cpuSystemS: number;
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** process.memoryUsage() at the highest RSS sampled (every 100 ms): what a peak is made of. */
  atPeak: MemoryAtPeak;
  logFile: string;
}

export interface MemoryAtPeak {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

let sequence = 0;

export async function runArchiver(setup: ArchiverSetup, spec: PassSpec): Promise<PassResult> {
  const id = `${String(++sequence).padStart(3, '0')}-${spec.label.replace(/[^A-Za-z0-9]+/g, '-')}`;
  await mkdir(setup.workDir, { recursive: true });
  const configFile = join(setup.workDir, `${id}.yaml`);
  const logFile = join(setup.workDir, `${id}.log`);
  const usageFile = join(setup.workDir, `${id}.usage.json`);
  const timeFile = join(setup.workDir, `${id}.time.txt`);
  await writeFile(
    configFile,
    stringify({
      dcs: { endpoint: setup.dcs.endpoint, projectId: setup.dcs.projectId, allowHttp: true, ...rateKey(spec.dcsRate ?? setup.dcsRate) },
      instances: spec.instances,
      collect: { enabled: false },
      archive: { ...(spec.concurrency ? { concurrency: spec.concurrency } : {}), ...(spec.partSizeMiB ? { partSizeMiB: spec.partSizeMiB } : {}) },
      destination: {
        url: `s3://${setup.bucket.name}/${spec.prefix}`,
        endpoint: spec.bucketEndpoint ?? setup.bucket.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
      },
    }),
  );

  // The archiver runs as users start it: with the Node flags of its shebang (the Dockerfile and npm scripts carry the same).
  const nodeArgs = [...cliNodeFlags(join(setup.root, 'dist/cli.js')), '--import', pathToFileURL(join(setup.root, 'scripts/bench/preload.mjs')).href];
  if (setup.profileDir) nodeArgs.push('--cpu-prof', '--cpu-prof-dir', setup.profileDir, '--cpu-prof-name', `${id}.cpuprofile`);
  const cli = [join(setup.root, 'dist/cli.js'), 'archive', '--config', configFile];
  const useTime = existsSync(TIME);
  const [command, args] = useTime ? [TIME, ['-v', '-o', timeFile, process.execPath, ...nodeArgs, ...cli]] : [process.execPath, [...nodeArgs, ...cli]];

  const out = openSync(logFile, 'w');
  let stderr = '';
  const started = performance.now();
  const exitCode = await new Promise<number>((resolve, reject) => {
    const child = spawn(command, args, { cwd: setup.root, env: archiverEnv(setup, usageFile), stdio: ['ignore', out, 'pipe'] });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-8_000);
    });
    child.once('error', reject);
    child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  const wallMs = performance.now() - started;
  closeSync(out);

  const lines = (await readFile(logFile, 'utf8')).split('\n').filter(Boolean);
  const parsed = lines.map((line) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      return { msg: line };
    }
  });
  const finished = parsed.find((line) => line.msg === 'pass finished');
  if (exitCode !== 0 || !finished || finished.result !== 'ok') {
    const problems = parsed.filter((line) => line.level === 'error' || line.level === 'warn').slice(0, 5).map((line) => JSON.stringify(line));
    throw new Error(
      `archiver pass "${spec.label}" exited ${exitCode}${finished ? ` with result ${String(finished.result)}` : ' without a summary'}\n` +
        `${problems.join('\n')}\n${stderr.trim().split('\n').slice(-10).join('\n')}\n(log: ${logFile})`,
    );
  }
  const usage = JSON.parse(await readFile(usageFile, 'utf8')) as {
    maxRssKiB: number;
    userCpuS: number;
    systemCpuS: number;
    eventLoopDelayMs: { p50: number; p99: number; max: number };
    atPeak: MemoryAtPeak;
  };
  const timed = useTime ? parseTimeV(await readFile(timeFile, 'utf8')) : undefined;
  return {
    label: spec.label,
    exitCode,
    result: String(finished.result),
    archived: Number(finished.archived),
    skipped: Number(finished.skipped),
    failed: Number(finished.failed),
    bytes: Number(finished.bytes),
    passMs: Number(finished.ms),
    wallMs,
    fileMs: parsed.filter((line) => line.msg === 'archived').map((line) => Number(line.ms)),
    maxRssBytes: (timed?.maxRssKiB ?? usage.maxRssKiB) * 1024,
    rssSource: timed ? 'time -v' : 'process.resourceUsage',
    cpuUserS: timed?.userS ?? usage.userCpuS,
    cpuSystemS: timed?.systemS ?? usage.systemCpuS,
    eventLoopDelayMs: usage.eventLoopDelayMs,
    atPeak: usage.atPeak,
    logFile,
  };
}

/** A default as config/default.yaml documents it (it follows the code: a test compares them). */
export function archiverDefault(root: string, section: string, key: string): string {
  try {
    const config = parse(readFileSync(join(root, 'config/default.yaml'), 'utf8')) as Record<string, Record<string, unknown> | undefined>;
    return String(config[section]?.[key] ?? 'unset');
  } catch {
    return 'unknown';
  }
}

function rateKey(rate: number | 'default'): { requestsPerSecond?: number } {
  return rate === 'default' ? {} : { requestsPerSecond: rate };
}

/** Only what the archiver needs: the simulator's and the bucket's throwaway credentials. */
function archiverEnv(setup: ArchiverSetup, usageFile: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(AWS_|HUAWEICLOUD_|DCS_|ARCHIVER_|LOG_|NODE_OPTIONS$)/.test(name)) continue;
    env[name] = value;
  }
  return {
    ...env,
    HUAWEICLOUD_SDK_AK: setup.dcs.ak,
    HUAWEICLOUD_SDK_SK: setup.dcs.sk,
    AWS_ACCESS_KEY_ID: setup.bucket.accessKeyId,
    AWS_SECRET_ACCESS_KEY: setup.bucket.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
    BENCH_USAGE_FILE: usageFile,
  };
}

export function parseTimeV(text: string): { maxRssKiB: number; userS: number; systemS: number } | undefined {
  const num = (label: string) => {
    const m = new RegExp(`${label}:\\s*([\\d.]+)`).exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const maxRssKiB = num('Maximum resident set size \\(kbytes\\)');
  const userS = num('User time \\(seconds\\)');
  const systemS = num('System time \\(seconds\\)');
  if (maxRssKiB === undefined || userS === undefined || systemS === undefined) return undefined;
  return { maxRssKiB, userS, systemS };
}

/** The Node flags on the first line of the built CLI (`#!/usr/bin/env -S node FLAGS`). */
export function cliNodeFlags(cli: string): string[] {
  const first = readFileSync(cli, 'utf8').split('\n', 1)[0]!;
  const match = /^#!\/usr\/bin\/env (?:-S )?node((?: --[\w-]+(?:=\S+)?)*)$/.exec(first);
  if (!match) throw new Error(`${cli}: its first line is not a node shebang the bench understands: ${first}`);
  return match[1]!.trim().split(' ').filter(Boolean);
}
