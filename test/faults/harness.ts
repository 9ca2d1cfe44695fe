/**
 * What every fault scenario shares: a simulator with the test credentials, a destination (a temp
 * directory, or a fresh prefix in the suite's Swift), passes run in process or through the built
 * CLI, the invariant check against the simulator's truth, and the evidence every scenario leaves
 * for the secret scan.
 */
import { appendFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { ArchiverEvent } from '../../src/events.js';
import { identityOf, parseRecord, type ArchiveRecord } from '../../src/records/record.js';
import type { RunReport } from '../../src/records/run-report.js';
import { runOnce } from '../../src/pass/run-once.js';
import { DcsSimulator, type SimLog, type SimOptions } from '../../sim/index.js';
import { createFileStore } from '../../src/store/file-store.js';
import { createS3Store } from '../../src/store/s3-store.js';
import type { BucketStore } from '../../src/store/store.js';
import type { Finding, VerifySummary } from '../../src/verify/findings.js';
import { verifyBucket } from '../../src/verify/verify-bucket.js';
import { buildClients, type Effects } from '../../src/commands/clients.js';
import { leakedSecrets, type CliResult } from '../support/cli.js';
import { s3Target, uniquePrefix } from '../support/s3-target.js';
import { ALL_TEST_SECRETS, TEST_AK, TEST_LINK_SECRET, TEST_PROJECT_ID, TEST_SK } from '../support/secrets.js';

export const MiB = 1024 * 1024;
export const DCS_ENV = { HUAWEICLOUD_SDK_AK: TEST_AK, HUAWEICLOUD_SDK_SK: TEST_SK };

/** yyyy-MM-dd, `days` before `at` (UTC, the archiver's default zone). */
export function dayBefore(days: number, at = Date.now()): string {
  return new Date(at - days * 86_400_000).toISOString().slice(0, 10);
}

export function startSim(options: Partial<SimOptions> = {}): Promise<DcsSimulator> {
  return DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK }, linkSecret: TEST_LINK_SECRET, ...options });
}

/** Adds a single-node instance with one log per entry of `sizes`, one day each, counting back from `firstDay` days ago. */
export function addInstanceWithLogs(sim: DcsSimulator, id: string, sizes: readonly number[], options: { at?: number; firstDay?: number; fileName?: (index: number) => string } = {}): SimLog[] {
  const instance = sim.addInstance(TEST_PROJECT_ID, { id, name: id, cacheMode: 'single' });
  const replica = instance.replicas[0]!;
  return sizes.map((size, index) =>
    sim.addLog(TEST_PROJECT_ID, id, {
      replicationIp: replica.ip,
      groupName: replica.groupName,
      date: dayBefore((options.firstDay ?? 1) + (options.fileName ? 0 : index), options.at),
      size,
      ...(options.fileName ? { fileName: options.fileName(index) } : {}),
    }),
  );
}

// ---- destinations ------------------------------------------------------------------------------

export interface Target {
  kind: 'file' | 's3';
  /** The `destination` section of a config. */
  destination: Record<string, unknown>;
  /** The bucket's credentials, for a CLI run. */
  env: Record<string, string>;
  store: BucketStore;
  /** Secrets of this destination that must never appear anywhere (the Swift key). */
  secrets: string[];
}

export async function dirTarget(name: string): Promise<Target> {
  const root = await mkdtemp(join(tmpdir(), `archiver-faults-${name}-`));
  return { kind: 'file', destination: { url: `file://${root}/` }, env: {}, store: createFileStore({ root }), secrets: [] };
}

export function swiftTarget(name: string): Target {
  const t = s3Target();
  const prefix = uniquePrefix(name);
  return {
    kind: 's3',
    destination: { url: `s3://${t.bucket}/${prefix}`, endpoint: t.endpoint, region: t.region, forcePathStyle: t.forcePathStyle },
    env: { AWS_ACCESS_KEY_ID: t.accessKeyId, AWS_SECRET_ACCESS_KEY: t.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true' },
    store: createS3Store({ bucket: t.bucket, prefix, endpoint: t.endpoint, region: t.region, forcePathStyle: t.forcePathStyle, credentials: { accessKeyId: t.accessKeyId, secretAccessKey: t.secretAccessKey } }),
    secrets: [t.secretAccessKey],
  };
}

// ---- config and passes -------------------------------------------------------------------------

/** A config for the simulator: short retries and timeouts, no collection unless asked. */
export function configFor(sim: DcsSimulator, target: Target, instances: string[], extra: { dcs?: Record<string, unknown>; archive?: Record<string, unknown>; collect?: Record<string, unknown> } = {}): Record<string, unknown> {
  return {
    dcs: {
      endpoint: sim.endpoint,
      projectId: TEST_PROJECT_ID,
      allowHttp: true,
      requestsPerSecond: 1000,
      retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
      timeouts: { connectSeconds: 1, headersSeconds: 1, bodySeconds: 1 },
      ...extra.dcs,
    },
    instances,
    collect: { enabled: false, ...extra.collect },
    archive: { concurrency: 4, partSizeMiB: 5, ...extra.archive },
    destination: target.destination,
    server: { port: null },
  };
}

export async function writeConfig(config: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'archiver-faults-config-'));
  const path = join(dir, 'config.json');
  await writeFile(path, JSON.stringify(config));
  return path;
}

/** A clock shared by the simulator and an in-process pass: backoff and waiting move it, not real time. */
export class Clock {
  constructor(public ms: number) {}
  readonly now = () => this.ms;
  effects(): Effects {
    return {
      now: () => new Date(this.ms),
      sleep: async (ms: number) => {
        this.ms += ms;
      },
      random: () => 0.5,
    };
  }
}

/**
 * One pass in process (runOnce with everything real but, when given, the clock); events are kept.
 * `store` replaces the one built from the config (the bucket's credentials are not in this
 * process's environment).
 */
export async function passInProcess(config: Record<string, unknown>, events: ArchiverEvent[], effects?: Effects, store?: BucketStore, onEvent: (event: ArchiverEvent) => void = (event) => events.push(event)): Promise<RunReport> {
  const cfg: Config = validateConfig(config);
  const wired = buildClients(cfg, DCS_ENV, onEvent, effects);
  try {
    return await runOnce(cfg, { ...wired.deps, ...(store ? { store } : {}), onEvent });
  } finally {
    await wired.close();
  }
}

// ---- the bucket and the invariants -------------------------------------------------------------

export interface BucketContents {
  records: Map<string, ArchiveRecord>;
  /** Objects outside records/, manifests/, runs/. */
  data: Map<string, number>;
  manifests: string[];
  reports: string[];
  unreadable: string[];
}

/** Records already read, by store and key, with the size and time they had: a scenario reads the bucket often. */
const recordCache = new WeakMap<BucketStore, Map<string, { stamp: string; record: ArchiveRecord | string }>>();

export async function readBucket(store: BucketStore): Promise<BucketContents> {
  const contents: BucketContents = { records: new Map(), data: new Map(), manifests: [], reports: [], unreadable: [] };
  let cache = recordCache.get(store);
  if (!cache) recordCache.set(store, (cache = new Map()));
  for await (const object of store.list('')) {
    if (object.key.startsWith('records/')) {
      // Stores keep whole seconds: a record rewritten within the same second may look unchanged.
      const settled = Date.now() - object.lastModified.getTime() > 3_000;
      const stamp = `${object.size}:${object.lastModified.getTime()}`;
      let record = settled && cache.get(object.key)?.stamp === stamp ? cache.get(object.key)!.record : undefined;
      if (record === undefined) {
        const found = await store.get(object.key);
        record = found ? parseRecord(found.body.toString('utf8')) : 'vanished';
        cache.set(object.key, { stamp, record });
      }
      if (typeof record === 'string') contents.unreadable.push(`${object.key}: ${record}`);
      else contents.records.set(object.key, record);
    } else if (object.key.startsWith('manifests/')) contents.manifests.push(object.key);
    else if (object.key.startsWith('runs/')) contents.reports.push(object.key);
    else contents.data.set(object.key, object.size);
  }
  return contents;
}

export interface InvariantOptions {
  /** Logs that must be archived (the complete state); others may or may not be. */
  expectComplete?: readonly SimLog[];
  /** After a deliberate crash point an object may exist without its record (the next pass heals it). */
  allowUnrecorded?: boolean;
  /** Likewise a multipart upload left by a killed process (cleaned by `verify --fix --older-than 0`). */
  allowPending?: boolean;
}

export interface InvariantResult {
  contents: BucketContents;
  unrecorded: string[];
  pending: number;
}

/**
 * The invariants, checked against the bucket and the simulator's truth, independently of
 * `verify`: every record describes its log exactly (SHA-256 and size from the simulator) and its
 * object exists with the record's size; one record and one object per file identity; no object
 * without a record and no pending upload (unless a crash point allows them).
 */
export async function checkInvariants(store: BucketStore, sim: DcsSimulator, options: InvariantOptions = {}): Promise<InvariantResult> {
  const contents = await readBucket(store);
  expect(contents.unreadable, 'unreadable records').toEqual([]);
  const identities = new Map<string, string>();
  const referenced = new Set<string>();
  for (const [key, record] of contents.records) {
    const identity = identityOf(record);
    expect(identities.get(identity), `a second record of one file: ${key}`).toBeUndefined();
    identities.set(identity, key);
    expect(referenced.has(record.key), `two records name one object: ${record.key}`).toBe(false);
    referenced.add(record.key);
    const truth = findLog(sim, record.instanceId, record.logId);
    expect(truth, `record ${key} names a log the simulator never had`).toBeDefined();
    expect({ key, sha256: record.sha256, bytes: record.bytes }).toEqual({ key, sha256: await simSha256(sim, record.logId), bytes: truth!.size });
    expect(contents.data.get(record.key), `object of ${key}`).toBe(record.storedBytes);
  }
  const unrecorded = [...contents.data.keys()].filter((key) => !referenced.has(key));
  if (!options.allowUnrecorded) expect(unrecorded, 'objects no record names').toEqual([]);
  const pending = await store.listPendingUploads('');
  if (!options.allowPending) expect(pending, 'pending multipart uploads').toEqual([]);
  for (const log of options.expectComplete ?? []) {
    const key = identities.get(identityOf(log));
    expect(key, `no record for ${log.instanceId} ${log.date} ${JSON.stringify(log.fileName)}`).toBeDefined();
    expect(contents.records.get(key!)!.logId).toBe(log.id);
  }
  return { contents, unrecorded, pending: pending.length };
}

const shaCache = new WeakMap<DcsSimulator, Map<string, Promise<string>>>();

/** `sim.sha256`, once per log: the content of a log never changes. */
export function simSha256(sim: DcsSimulator, logId: string): Promise<string> {
  let cache = shaCache.get(sim);
  if (!cache) shaCache.set(sim, (cache = new Map()));
  let sha = cache.get(logId);
  if (!sha) cache.set(logId, (sha = sim.sha256(logId)));
  return sha;
}

function findLog(sim: DcsSimulator, instanceId: string, logId: string): SimLog | undefined {
  return sim.logs(TEST_PROJECT_ID, instanceId).find((log) => log.id === logId);
}

/** `verify --deep` in process: the audit's findings, and whether it came out clean. */
export function verifyDeep(store: BucketStore, options: { fix?: boolean; olderThanMs?: number } = {}): Promise<{ summary: VerifySummary; findings: Finding[] }> {
  return audit(store, true, options);
}

/** `verify` without `--deep`: sizes, manifests, unrecorded objects and pending uploads, no content read. */
export function verifyShallow(store: BucketStore, options: { fix?: boolean; olderThanMs?: number } = {}): Promise<{ summary: VerifySummary; findings: Finding[] }> {
  return audit(store, false, options);
}

async function audit(store: BucketStore, deep: boolean, options: { fix?: boolean; olderThanMs?: number }): Promise<{ summary: VerifySummary; findings: Finding[] }> {
  const findings: Finding[] = [];
  const summary = await verifyBucket({
    store,
    deep,
    concurrency: 16,
    deepConcurrency: 8,
    fix: options.fix ?? false,
    olderThanMs: options.olderThanMs ?? 0,
    now: () => new Date(),
    onFinding: (finding) => findings.push(finding),
    retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 50 },
  });
  return { summary, findings };
}

export async function expectVerifyClean(store: BucketStore): Promise<VerifySummary> {
  const { summary, findings } = await verifyDeep(store);
  expect(findings, 'verify --deep findings').toEqual([]);
  expect(summary.clean).toBe(true);
  return summary;
}

// ---- evidence for the secret scan --------------------------------------------------------------

/**
 * Everything a scenario produced that a person could read: CLI output, events, reports, records
 * and manifests in the bucket. Scanned at the end of each file for the test secrets and every
 * issued link's query, and appended to the suite's output folder for the global scan.
 */
export class Evidence {
  private readonly texts: Array<{ label: string; text: string }> = [];
  private readonly sims: DcsSimulator[] = [];
  private readonly secrets = new Set<string>();

  watch(sim: DcsSimulator): void {
    this.sims.push(sim);
  }

  secret(...values: string[]): void {
    for (const value of values) if (value) this.secrets.add(value);
  }

  add(label: string, text: string): void {
    this.texts.push({ label, text });
  }

  cli(label: string, result: CliResult): void {
    this.add(`${label} (stdout)`, result.stdout);
    this.add(`${label} (stderr)`, result.stderr);
  }

  events(label: string, events: readonly ArchiverEvent[]): void {
    this.add(`${label} (events)`, JSON.stringify(events));
  }

  error(label: string, error: unknown): void {
    const e = error as { message?: string; stack?: string; cause?: unknown };
    this.add(`${label} (error)`, `${e?.message ?? String(error)}\n${e?.stack ?? ''}\n${JSON.stringify(e?.cause ?? null, Object.getOwnPropertyNames(e?.cause ?? {}))}`);
  }

  /** Every record, manifest and run report in the bucket. */
  async bucket(label: string, store: BucketStore): Promise<void> {
    for await (const object of store.list('')) {
      if (!/^(records|manifests|runs)\//.test(object.key)) continue;
      const found = await store.get(object.key);
      if (found) this.add(`${label}: ${object.key}`, found.body.toString('utf8'));
    }
  }

  /** Texts holding a secret, with which one (named, never quoted whole). */
  leaks(): string[] {
    const links = this.sims.flatMap((sim) => sim.issuedLinks);
    const hits: string[] = [];
    for (const { label, text } of this.texts) {
      for (const secret of leakedSecrets(text, links, [...this.secrets])) hits.push(`${label}: ${secret.slice(0, 6)}…`);
    }
    return hits;
  }

  /** Appends everything to the suite's output folder, which the global teardown scans too. */
  async persist(name: string): Promise<void> {
    const dir = process.env.ARCHIVER_TEST_OUTPUT_DIR;
    if (!dir) return;
    await mkdir(dir, { recursive: true });
    await appendFile(join(dir, `faults-${name}.log`), this.texts.map(({ label, text }) => `## ${label}\n${text}\n`).join(''));
  }

  get count(): number {
    return this.texts.length;
  }

  get issuedLinks(): number {
    return this.sims.reduce((n, sim) => n + sim.issuedLinks.length, 0);
  }
}

export { ALL_TEST_SECRETS, TEST_PROJECT_ID };
