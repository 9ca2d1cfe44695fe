/**
 * A dry run tells the truth: on every scenario, the files it says it would archive are exactly
 * the files the real pass right after it archives, and it writes nothing and triggers nothing.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayIn } from '../../src/calendar.js';
import { DcsSimulator } from '../../sim/index.js';
import { recordKey } from '../../src/records/layout.js';
import { createFileStore } from '../../src/store/file-store.js';
import { createS3Store } from '../../src/store/s3-store.js';
import type { BucketStore } from '../../src/store/store.js';
import { leakedSecrets, runCli, simEnv, type CliResult } from '../support/cli.js';
import { s3Target, uniquePrefix } from '../support/s3-target.js';
import { TEST_AK, TEST_LINK_SECRET, TEST_PROJECT_ID, TEST_SK } from '../support/secrets.js';
import { dayBefore } from '../support/days.js';

// Two zones whose "today" always differs: a day open in the first is closed in the second.
const BEHIND = 'Etc/GMT+12';
const AHEAD = 'Etc/GMT-14';

interface Destination {
  config: Record<string, unknown>;
  env: Record<string, string>;
  store: BucketStore;
}

async function directory(): Promise<Destination> {
  const root = await mkdtemp(join(tmpdir(), 'archiver-dry-'));
  return { config: { url: `file://${root}/` }, env: {}, store: createFileStore({ root }) };
}

async function bucket(): Promise<Destination> {
  const t = s3Target();
  const prefix = uniquePrefix('dry-run');
  return {
    config: { url: `s3://${t.bucket}/${prefix}`, endpoint: t.endpoint, region: t.region, forcePathStyle: t.forcePathStyle },
    env: { AWS_ACCESS_KEY_ID: t.accessKeyId, AWS_SECRET_ACCESS_KEY: t.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true' },
    store: createS3Store({ bucket: t.bucket, prefix, endpoint: t.endpoint, region: t.region, forcePathStyle: t.forcePathStyle, credentials: { accessKeyId: t.accessKeyId, secretAccessKey: t.secretAccessKey } }),
  };
}

async function everyKey(store: BucketStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of store.list('')) keys.push(`${object.key} ${object.size} ${object.version ?? ''}`);
  return keys;
}

describe('a dry run', () => {
  let sim: DcsSimulator;
  const outputs: CliResult[] = [];
  const destinations: Destination[] = [];
  let instances = 0;

  beforeAll(async () => {
    sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK }, linkSecret: TEST_LINK_SECRET });
  });
  afterAll(async () => {
    await sim?.close();
    for (const destination of destinations) await destination.store.close();
    for (const output of outputs) expect(leakedSecrets(output.stdout + output.stderr, sim.issuedLinks)).toEqual([]);
  });

  /** An instance of its own, a destination of its own, and a pass function for them. */
  async function scenario(makeDestination: () => Promise<Destination> = directory) {
    const instance = sim.addInstance(TEST_PROJECT_ID, { id: `dry-${instances++}`, name: 'dry', cacheMode: 'single' });
    const replica = instance.replicas[0]!;
    const destination = await makeDestination();
    destinations.push(destination);
    const addLog = (date: string, size: number, fileName?: string) =>
      sim.addLog(TEST_PROJECT_ID, instance.id, { replicationIp: replica.ip, groupName: replica.groupName, date, size, ...(fileName ? { fileName } : {}) });
    const pass = async (options: { dryRun?: boolean; timezone?: string; includeOpenDay?: boolean; collect?: boolean } = {}) => {
      const path = join(await mkdtemp(join(tmpdir(), 'archiver-dry-config-')), 'config.yaml');
      await writeFile(
        path,
        JSON.stringify({
          dcs: { endpoint: sim.endpoint, projectId: TEST_PROJECT_ID, allowHttp: true, retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 20 } },
          instances: [instance.id],
          collect: { enabled: options.collect ?? false, waitSeconds: 5 },
          archive: { includeOpenDay: options.includeOpenDay ?? false },
          schedule: { timezone: options.timezone ?? 'UTC' },
          destination: destination.config,
        }),
      );
      const result = await runCli(['archive', '--config', path, ...(options.dryRun ? ['--dry-run'] : [])], simEnv(destination.env));
      outputs.push(result);
      return result;
    };
    /** The dry run, then the real pass with the same options: what each says of the files. */
    const dryThenReal = async (options: Parameters<typeof pass>[0] = {}) => {
      const before = await everyKey(destination.store);
      sim.resetRequests();
      const dry = await pass({ ...options, dryRun: true });
      expect(dry.code, dry.stdout).toBe(0);
      expect(await everyKey(destination.store), 'a dry run writes nothing').toEqual(before);
      // Reads only: no collection, and of a download only the ranged probe of its size (its link is a POST that changes nothing).
      expect(sim.requests.filter((r) => r.op === 'collect' || (r.method !== 'GET' && r.op !== 'link') || (r.op === 'download' && r.status !== 206))).toEqual([]);
      const real = await pass(options);
      expect(real.code, real.stdout).toBe(0);
      const would = dry.lines.filter((l) => l.msg === 'would archive').map((l) => `${String(l.file)} ${String(l.logId)}`).sort();
      const archived = real.lines.filter((l) => l.msg === 'archived').map((l) => `${String(l.file)} ${String(l.logId)}`).sort();
      const skips = dry.lines.filter((l) => l.msg === 'would skip');
      return { would, archived, skips, dry, real };
    };
    return { instance, addLog, pass, dryThenReal, destination };
  }

  it.each([
    ['a directory', directory],
    ['an S3-compatible bucket', bucket],
  ])('into a fresh destination (%s) names every file the pass archives', async (_label, make) => {
    const s = await scenario(make);
    s.addLog(dayBefore(1), 100);
    s.addLog(dayBefore(2), 2000);
    const { would, archived } = await s.dryThenReal();
    expect(would).toHaveLength(2);
    expect(would).toEqual(archived);
  });

  it('sizes re-collected duplicates as the pass does, and names the larger one', async () => {
    const s = await scenario();
    const day = dayBefore(2);
    const small = s.addLog(day, 500);
    const large = s.addLog(day, 900, small.fileName);
    s.addLog(dayBefore(3), 10);
    const { would, archived, skips } = await s.dryThenReal();
    expect(would).toEqual(archived);
    expect(would).toContain(`${large.fileName} ${large.id}`);
    expect(skips.map((l) => [l.logId, l.reason])).toEqual([[small.id, 'superseded']]);
  });

  it('with the open day included, names today’s file, and its replacement once the day has closed', async () => {
    const s = await scenario();
    const open = dayIn(new Date(), BEHIND);
    const partial = s.addLog(open, 300);
    const first = await s.dryThenReal({ includeOpenDay: true, timezone: BEHIND });
    expect(first.would).toEqual([`${partial.fileName} ${partial.id}`]);
    expect(first.would).toEqual(first.archived);

    // Later the day is over (in a zone where it already is) and a complete re-collection is listed.
    const complete = s.addLog(open, 800, partial.fileName);
    const second = await s.dryThenReal({ timezone: AHEAD });
    expect(second.would).toEqual([`${complete.fileName} ${complete.id}`]);
    expect(second.would).toEqual(second.archived);
  });

  it('names only the files whose record a crash left missing', async () => {
    const s = await scenario();
    const kept = s.addLog(dayBefore(1), 400);
    const lost = s.addLog(dayBefore(2), 700);
    expect((await s.pass()).code).toBe(0);
    // A kill between the object and its record leaves the object alone; so does a lost record.
    const root = String(s.destination.config.url).replace('file://', '');
    await rm(join(root, recordKey(s.instance.id, lost.date, lost.fileName)));
    expect(await s.destination.store.get(recordKey(s.instance.id, lost.date, lost.fileName))).toBeUndefined();
    expect(await s.destination.store.get(recordKey(s.instance.id, kept.date, kept.fileName))).toBeDefined();
    const { would, archived } = await s.dryThenReal();
    expect(would).toEqual([`${lost.fileName} ${lost.id}`]);
    expect(would).toEqual(archived);
    expect(archived).not.toContain(`${kept.fileName} ${kept.id}`);
  });

  it('with collection on, triggers nothing and says what it would collect', async () => {
    const s = await scenario();
    s.addLog(dayBefore(1), 100);
    sim.resetRequests();
    const dry = await s.pass({ dryRun: true, collect: true });
    expect(dry.code, dry.stdout).toBe(0);
    expect(sim.requests.filter((r) => r.op === 'collect')).toEqual([]);
    expect(dry.lines.filter((l) => l.msg === 'would collect').length).toBeGreaterThan(0);
  });
});
