import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordKey } from '../../src/records/layout.js';
import type { ArchiveRecord } from '../../src/records/record.js';
import type { RunReport } from '../../src/records/run-report.js';
import { createFileStore } from '../../src/store/file-store.js';
import { createS3Client, createS3Store } from '../../src/store/s3-store.js';
import type { BucketStore } from '../../src/store/store.js';
import { leakedSecrets, runCli, type CliResult } from '../support/cli.js';
import { archiveReadFleet, READ_A, READ_B, type ReadFleet, type SourceFile } from '../support/read-fleet.js';
import { s3Target, uniquePrefix } from '../support/s3-target.js';

const run = promisify(execFile);
const NAMES: Record<string, string> = { [READ_A.id]: READ_A.name, [READ_B.id]: READ_B.name };

/** What plain grep finds in one source file: `N:line` lines (grep -n). */
async function grep(file: SourceFile, args: string[]): Promise<string[]> {
  try {
    const { stdout } = await run('grep', ['-n', ...args, file.path], { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
    return stdout.split('\n').filter((line) => line !== '');
  } catch (error) {
    if ((error as { code?: number }).code === 1) return [];
    throw error;
  }
}

const label = (file: SourceFile) => `${NAMES[file.log.instanceId]}/${file.log.replicationIp}/${file.log.date}`;
/** Instance, then day, then replica: the order search hands files on. */
const inSearchOrder = (files: SourceFile[]) =>
  [...files].sort((x, y) => x.log.instanceId.localeCompare(y.log.instanceId) || x.log.date.localeCompare(y.log.date) || x.log.replicationIp.localeCompare(y.log.replicationIp));

/** What grep -H -n would print over the files, in search's order, prefixed with search's label. */
async function grepAll(files: SourceFile[], args: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const file of inSearchOrder(files)) for (const line of await grep(file, args)) out.push(`${label(file)}:${line}`);
  return out;
}

/** An independent reading of the window rule: lines whose clock is in [since, until); others follow the last one that had a clock. */
function linesInWindow(bytes: Buffer, sinceMs: number, untilMs: number, date: string): Buffer {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const text = bytes.toString('latin1');
  let inside = Date.parse(`${date}T00:00:00Z`) >= sinceMs && Date.parse(`${date}T00:00:00Z`) < untilMs;
  let out = '';
  for (const line of text.match(/[^\n]*\n|[^\n]+$/g) ?? []) {
    const m = /^\d+:[MSCX] (\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2})\.(\d{3}) [.\-*#] /.exec(line);
    if (m) {
      const ms = Date.UTC(Number(m[3]), months.indexOf(m[2]!), Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]), Number(m[7]));
      inside = ms >= sinceMs && ms < untilMs;
    }
    if (inside) out += line;
  }
  return Buffer.from(out, 'latin1');
}

interface Target {
  name: string;
  compression: 'none' | 'gzip';
  setup(): Promise<{ destination: Record<string, unknown>; env: Record<string, string>; store: BucketStore; secrets: string[]; cleanup(): Promise<void> }>;
}

const BASE_ENV = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_FORMAT: 'json' };

function swift(compression: Target['compression']): Target {
  return {
    name: `Swift bucket, compression ${compression}`,
    compression,
    async setup() {
      const target = s3Target();
      const prefix = uniquePrefix(`e2e-read-${compression}`);
      const destination = { url: `s3://${target.bucket}/${prefix}`, endpoint: target.endpoint, region: target.region, forcePathStyle: target.forcePathStyle };
      const env = { AWS_ACCESS_KEY_ID: target.accessKeyId, AWS_SECRET_ACCESS_KEY: target.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true' };
      const client = createS3Client({ region: target.region, endpoint: target.endpoint, forcePathStyle: target.forcePathStyle, credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey } });
      const store = createS3Store({ bucket: target.bucket, prefix, region: target.region, client });
      return {
        destination,
        env,
        store,
        secrets: [target.secretAccessKey],
        cleanup: async () => {
          await store.close();
          client.destroy();
        },
      };
    },
  };
}

function directory(compression: Target['compression']): Target {
  return {
    name: `directory (file://), compression ${compression}`,
    compression,
    async setup() {
      const root = await mkdtemp(join(tmpdir(), 'archiver-read-dir-'));
      return { destination: { url: `file://${root}/` }, env: {}, store: createFileStore({ root }), secrets: [], cleanup: () => rm(root, { recursive: true, force: true }) };
    },
  };
}

describe.each([swift('none'), swift('gzip'), directory('none'), directory('gzip')])('reading the archive back from a $name', (target) => {
  let fleet: ReadFleet;
  let store: BucketStore;
  let env: Record<string, string>;
  let configPath: string;
  let secrets: string[] = [];
  let cleanup = async () => {};
  const outputs: CliResult[] = [];

  /** The CLI as users run it: only the bucket's credentials, none for DCS, and no instance names in the config. */
  const cli = async (...args: string[]) => {
    const result = await runCli([...args, '--config', configPath], { ...BASE_ENV, ...env });
    outputs.push(result);
    return result;
  };
  const errorLines = (result: CliResult) =>
    result.stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.level === 'error');

  beforeAll(async () => {
    const made = await target.setup();
    store = made.store;
    env = made.env;
    secrets = made.secrets;
    cleanup = made.cleanup;
    fleet = await archiveReadFleet(made.destination, env, { compression: target.compression });
    const dir = await mkdtemp(join(tmpdir(), 'archiver-read-e2e-'));
    configPath = join(dir, 'config.json');
    // No DCS section, no instances: reading needs neither, and names come from the manifests.
    await writeFile(configPath, JSON.stringify({ destination: made.destination }));
  }, 180_000);

  afterAll(async () => {
    await cleanup();
    if (fleet) await rm(fleet.sourceDir, { recursive: true, force: true });
    for (const output of outputs) expect(leakedSecrets(output.stdout + output.stderr, [], secrets)).toEqual([]);
  });

  it('logs returns every file\'s source bytes exactly, by discovered name or id, day and replica', async () => {
    for (const file of fleet.files) {
      const instance = file.log.instanceId === READ_A.id ? READ_A.name : file.log.instanceId;
      const result = await cli('logs', '--instance', instance, '--date', file.log.date, '--replica', file.log.replicationIp);
      expect(result.code, result.stderr).toBe(0);
      // The simulator writes ASCII, so the decoded text stands for the bytes.
      expect(result.stdout === file.bytes.toString('utf8'), `${file.log.fileName}: ${result.stdout.length} vs ${file.bytes.length} bytes`).toBe(true);
    }
  });

  it('logs of a whole instance is its files day by day, replica by replica', async () => {
    const result = await cli('logs', '--instance', READ_B.name);
    expect(result.code, result.stderr).toBe(0);
    const expected = Buffer.concat(inSearchOrder(fleet.files.filter((f) => f.log.instanceId === READ_B.id)).map((f) => f.bytes));
    expect(result.stdout).toBe(expected.toString('utf8'));
  });

  it('logs with times keeps only the lines in the window, in the source\'s own bytes', async () => {
    const big = fleet.files.find((f) => f.bytes.length > 2 * 1024 * 1024)!;
    const since = Date.parse(`${big.log.date}T02:00:00Z`);
    const until = Date.parse(`${big.log.date}T03:00:00Z`);
    const result = await cli('logs', '--instance', READ_A.name, '--since', `${big.log.date}T02:00`, '--until', `${big.log.date}T03:00`);
    expect(result.code, result.stderr).toBe(0);
    const expected = linesInWindow(big.bytes, since, until, big.log.date);
    expect(expected.length).toBeGreaterThan(10_000);
    expect(result.stdout).toBe(expected.toString('latin1'));
  });

  it('logs --output writes each file under its bucket key as the source bytes, verified', async () => {
    const out = await mkdtemp(join(tmpdir(), 'archiver-read-output-'));
    try {
      const result = await cli('logs', '--instance', READ_B.id, '--output', out);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      for (const file of fleet.files.filter((f) => f.log.instanceId === READ_B.id)) {
        expect((await readFile(join(out, READ_B.id, file.log.date, file.log.fileName))).equals(file.bytes)).toBe(true);
      }
      expect((await readdir(join(out, READ_B.id))).sort()).toEqual([...new Set(fleet.files.map((f) => f.log.date))].sort());
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('search finds exactly the lines plain grep finds, across every instance', async () => {
    const result = await cli('search', 'MASTER MODE');
    expect(result.code, result.stderr).toBe(0);
    const expected = await grepAll(fleet.files, ['-F', 'MASTER MODE']);
    expect(expected.length).toBeGreaterThan(10);
    expect(result.stdout.split('\n').filter(Boolean)).toEqual(expected);
  });

  it('search with --ignore-case and a regular expression agrees with grep -i -E', async () => {
    const result = await cli('search', 'background (saving|append only file rewriting) started', '--ignore-case');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.split('\n').filter(Boolean)).toEqual(await grepAll(fleet.files, ['-i', '-E', 'background (saving|append only file rewriting) started']));
  });

  it('search --json prints one object per match with exactly the documented keys', async () => {
    const result = await cli('search', '--json', '--fixed-strings', 'Failover election won', '--instance', READ_B.name);
    expect(result.code, result.stderr).toBe(0);
    const objects = result.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    const files = fleet.files.filter((f) => f.log.instanceId === READ_B.id);
    const expected = [];
    for (const file of inSearchOrder(files)) {
      for (const line of await grep(file, ['-F', 'Failover election won'])) {
        const at = line.indexOf(':');
        expected.push({ instanceId: READ_B.id, instanceName: READ_B.name, replicationIp: file.log.replicationIp, date: file.log.date, fileName: file.log.fileName, lineNumber: Number(line.slice(0, at)), line: line.slice(at + 1) });
      }
    }
    expect(expected.length).toBeGreaterThan(0);
    expect(objects).toEqual(expected);
  });

  it('search --since/--until narrows by day, and --count counts per file as grep -c does', async () => {
    const day = fleet.files[0]!.log.date;
    const result = await cli('search', 'Background saving', '--since', day, '--until', day);
    expect(result.code, result.stderr).toBe(0);
    const onDay = fleet.files.filter((f) => f.log.date === day);
    expect(result.stdout.split('\n').filter(Boolean)).toEqual(await grepAll(onDay, ['-F', 'Background saving']));
    expect(new Set(result.stdout.split('\n').filter(Boolean).map((line) => line.split(':')[0]!.split('/')[2]))).toEqual(new Set([day]));

    const counted = await cli('search', 'Background saving', '--count', '--since', day, '--until', day);
    const expected = [];
    for (const file of inSearchOrder(onDay)) expected.push(`${label(file)}:${(await grep(file, ['-F', 'Background saving'])).length}`);
    expect(counted.stdout.split('\n').filter(Boolean)).toEqual(expected);
  });

  it('search exits 1 when nothing matches and 2 on a usage error, before reading anything', async () => {
    const none = await cli('search', 'no line says this');
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('');
    const bad = await cli('search', '(unclosed');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/PATTERN/);
    const day = await cli('search', 'x', '--since', 'last tuesday');
    expect(day.code).toBe(2);
    expect(day.stderr).toMatch(/--since: got \\?"last tuesday\\?"; allowed/);
    const unknown = await cli('logs', '--instance', 'no-such-cache');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--instance: .*no-such-cache\\?" names no configured instance/);
  });

  it('report prints what the run report holds; --json prints the stored document', async () => {
    const keys: string[] = [];
    for await (const object of store.list('runs/')) keys.push(object.key);
    expect(keys).toHaveLength(1);
    const stored = (await store.get(keys[0]!))!.body.toString('utf8');
    const report = JSON.parse(stored) as RunReport;

    const json = await cli('report', 'latest', '--json');
    expect(json.code, json.stderr).toBe(0);
    expect(json.stdout).toBe(stored);

    const text = await cli('report');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`run ${report.runId}: ${report.result}`);
    expect(text.stdout).toContain(`archived ${report.counts.archived} file(s)`);
    for (const instance of report.instances) {
      expect(text.stdout).toContain(`${instance.name} (${instance.instanceId})`);
      for (const file of instance.archived) expect(text.stdout).toContain(`archived  ${file.date}  ${file.fileName}`);
    }
    expect((await cli('report', report.runId)).stdout).toBe(text.stdout);
    const missing = await cli('report', '20000101T000000Z-000000');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no run report 20000101T000000Z-000000/);
  });

  // Last: it alters the archive.
  it('names a tampered object by its SHA-256 mismatch: logs exits 1, search reports it and exits 2 after searching the rest', async () => {
    const victim = fleet.files.find((f) => f.log.instanceId === READ_B.id && f.bytes.length > 100_000)!;
    const record = JSON.parse((await store.get(recordKey(victim.log.instanceId, victim.log.date, victim.log.fileName)))!.body.toString()) as ArchiveRecord;
    const altered = Buffer.from(victim.bytes);
    altered.write('MASTER MODE enabled (planted)', 5000, 'latin1');
    await store.put(record.key, target.compression === 'gzip' ? gzipSync(altered) : altered);

    const logs = await cli('logs', '--instance', READ_B.name, '--date', victim.log.date, '--replica', victim.log.replicationIp);
    expect(logs.code).toBe(1);
    expect(errorLines(logs)).toEqual([expect.objectContaining({ key: record.key, expected: record.sha256, msg: expect.stringMatching(/^SHA-256 mismatch: .* already written to stdout came from the altered object/) })]);
    expect(String(errorLines(logs)[0]!.msg)).toContain(record.key);

    const search = await cli('search', '--json', 'MASTER MODE');
    expect(search.code).toBe(2);
    const objects = search.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(objects.filter((o) => 'error' in o)).toEqual([{ error: expect.stringMatching(/^SHA-256 mismatch: /), key: record.key }]);
    // Every other file was still searched.
    const others = fleet.files.filter((f) => f !== victim);
    const expectedOthers = (await grepAll(others, ['-F', 'MASTER MODE'])).length;
    expect(objects.filter((o) => 'line' in o && !(o.instanceId === victim.log.instanceId && o.date === victim.log.date && o.replicationIp === victim.log.replicationIp))).toHaveLength(expectedOthers);
    expect(errorLines(search).map((line) => line.key)).toEqual([record.key]);
  });
});
