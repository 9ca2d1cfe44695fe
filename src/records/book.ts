import { isDeepStrictEqual } from 'node:util';
import { describeFailure, failureKind } from '../errors.js';
import type { Acknowledgement, PlannedFile } from '../plan/planner.js';
import { withRetry, type RetryPolicy } from '../retry.js';
import type { BucketStore, StoredObject, Written } from '../store/store.js';
import type { Transferred } from '../transfer/transfer-file.js';
import { manifestKey, recordKey, recordPrefix, runReportKey } from './layout.js';
import { identityOf, parseRecord, recordText, SCHEMA_VERSION, type ArchiveRecord, type EmptyDay, type Manifest } from './record.js';
import { pastRetention, type RetentionDays } from './retention.js';
import type { RunReport } from './run-report.js';

/**
 * An instance's records as this pass knows them. The manifest is read first (one GET) and
 * only records it cannot vouch for are read one by one. In the steady state that is two
 * requests per instance, whatever the history length.
 *
 * The manifest vouches for a record when it holds the record object's stamp (LastModified,
 * size and the store's version token, as listed) and the object still has that stamp: any rewrite since, by this runner or
 * another, changes the stamp, so the record is read again and the manifest rebuilt.
 */
export interface InstanceRecords {
  /** By identity (instance + day + file name). */
  byIdentity: Map<string, ArchiveRecord>;
  /** Records known together with the object version they were read from, by record key. */
  stamped: Map<string, StampedRecord>;
  /** The manifest no longer matches the records: rebuild it at the end of the pass. */
  stale: boolean;
  /** Records that could not be read or parsed, with why (their files will be archived again). */
  problems: string[];
  /** Confirmed empty days, from the manifest. */
  emptyDays: EmptyDay[];
  /** Records whose object expired past the retention, by record key, with their stamp (from the manifest). */
  expired: Map<string, string>;
  /** The instance's name as the manifest holds it (absent in older manifests). */
  instanceName?: string;
}

export interface StampedRecord {
  record: ArchiveRecord;
  stamp: string;
}

interface LoadOptions {
  store: BucketStore;
  instanceId: string;
  /** Only records of this day or later are compared with the bucket; older ones come from the manifest. */
  sinceDate?: string;
  signal?: AbortSignal;
}

/**
 * What tells one write of an object from another: the store's version token (an ETag, a file's
 * inode and nanosecond mtime) with the size, which a write's own answer gives too; without a
 * token, LastModified (often to the second only) and the size, which only a listing gives.
 */
export function stampOf(object: Pick<StoredObject, 'size' | 'lastModified' | 'version'>): string {
  return object.version ? `${object.size} ${object.version}` : `${object.lastModified.toISOString()} ${object.size}`;
}

/** The stamp of a write as the store answered it; undefined when it gave no version (the next listing tells). */
export function stampOfWrite(written: Written): string | undefined {
  return written.version ? `${written.bytes} ${written.version}` : undefined;
}

export async function loadInstanceRecords({ store, instanceId, sinceDate, signal }: LoadOptions): Promise<InstanceRecords> {
  const manifest = await readManifest(store, instanceId, signal);
  const fromManifest = new Map<string, ArchiveRecord>();
  for (const entry of manifest?.entries ?? []) fromManifest.set(recordKey(entry.instanceId, entry.date, entry.fileName), entry);
  const stamps: Record<string, string> = manifest?.recordStamps ?? {};
  const expired = new Map<string, string>(Object.entries(manifest?.expired ?? {}));

  const prefix = recordPrefix(instanceId);
  const startAfter = sinceDate ? `${prefix}${sinceDate}` : undefined;
  const stamped = new Map<string, StampedRecord>();
  const problems: string[] = [];
  let stale = manifest === undefined ? false : manifest.problem !== undefined;
  const listed = new Set<string>();

  for await (const object of store.list(prefix, { ...(startAfter ? { startAfter } : {}), signal })) {
    listed.add(object.key);
    const stamp = stampOf(object);
    const known = fromManifest.get(object.key);
    // Its object expired past the retention, and the record is as it was: nothing to do.
    if (!known && expired.get(object.key) === stamp) continue;
    if (known && stamps[object.key] === stamp) {
      stamped.set(object.key, { record: known, stamp });
      continue;
    }
    stale = true;
    // Read after it was listed: if it changes meanwhile, its stamp will not match next time.
    const record = await readRecord(store, object.key, signal);
    if (typeof record === 'string') problems.push(`${object.key}: ${record}`);
    else stamped.set(object.key, { record, stamp });
  }
  for (const key of expired.keys()) {
    if ((startAfter === undefined || key > startAfter) && !listed.has(key)) expired.delete(key); // its record expired too
  }
  for (const [key, entry] of fromManifest) {
    const inWindow = startAfter === undefined || key > startAfter;
    if (!inWindow) stamped.set(key, { record: entry, stamp: stamps[key] ?? '' });
    else if (!listed.has(key)) stale = true; // its record is gone: archive the file again
  }
  if (!manifest && stamped.size > 0) stale = true;

  const byIdentity = new Map<string, ArchiveRecord>();
  for (const { record } of stamped.values()) byIdentity.set(identityOf(record), record);
  return { byIdentity, stamped, stale, problems, emptyDays: manifest?.emptyDays ?? [], expired, ...(manifest?.instanceName ? { instanceName: manifest.instanceName } : {}) };
}

async function readManifest(store: BucketStore, instanceId: string, signal?: AbortSignal) {
  const found = await store.get(manifestKey(instanceId), signal);
  if (!found) return undefined;
  const parsed = parseManifest(found.body.toString('utf8'));
  if (typeof parsed === 'string') return { entries: [], emptyDays: [], recordStamps: {}, expired: {} as Record<string, string>, problem: parsed };
  return { entries: parsed.entries, emptyDays: parsed.emptyDays ?? [], recordStamps: parsed.recordStamps ?? {}, expired: parsed.expired ?? {}, instanceName: parsed.instanceName, problem: undefined };
}

export async function readRecord(store: BucketStore, key: string, signal?: AbortSignal): Promise<ArchiveRecord | string> {
  const found = await store.get(key, signal);
  if (!found) return 'vanished while being read';
  return parseRecord(found.body.toString('utf8'));
}

export function parseManifest(text: string): Manifest | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'manifest is not JSON';
  }
  const m = value as Partial<Manifest> | null;
  if (!m || m.schemaVersion !== SCHEMA_VERSION || !Array.isArray(m.entries)) return 'manifest has an unknown shape';
  const entries: ArchiveRecord[] = [];
  for (const entry of m.entries) {
    const record = parseRecord(JSON.stringify(entry));
    if (typeof record !== 'string') entries.push(record);
  }
  const emptyDays = Array.isArray(m.emptyDays)
    ? m.emptyDays.filter((d): d is EmptyDay => typeof d?.replica === 'string' && typeof d?.date === 'string' && typeof d?.confirmedAt === 'string' && typeof d?.runId === 'string')
    : [];
  const recordStamps: Record<string, string> = {};
  if (m.recordStamps && typeof m.recordStamps === 'object') {
    for (const [key, stamp] of Object.entries(m.recordStamps)) if (typeof stamp === 'string') recordStamps[key] = stamp;
  }
  const expired: Record<string, string> = {};
  if (m.expired && typeof m.expired === 'object') {
    for (const [key, stamp] of Object.entries(m.expired)) if (typeof stamp === 'string') expired[key] = stamp;
  }
  const { instanceName: _name, ...rest } = m as Manifest;
  return { ...rest, ...(typeof m.instanceName === 'string' && m.instanceName !== '' ? { instanceName: m.instanceName } : {}), entries, emptyDays, recordStamps, expired };
}

interface RebuildOptions {
  store: BucketStore;
  projectId: string;
  instanceId: string;
  /** Written into the manifest, for readers that resolve names from the bucket. */
  instanceName?: string;
  stamped: ReadonlyMap<string, StampedRecord>;
  /** Carried over: they live only in the manifest. */
  emptyDays?: EmptyDay[];
  /** `destination.retentionDays`: a record past it whose object is gone leaves the entries. */
  retentionDays?: RetentionDays;
  /** Records already known expired, with their stamp: not read, nor their object looked for, again. */
  expired?: ReadonlyMap<string, string>;
  now: Date;
  signal?: AbortSignal;
}

/**
 * Rebuilds the manifest from every record in the bucket, with each record's stamp. A record is
 * read unless this pass already holds it at the very version listed now. With a retention, a
 * record past it whose object is gone (a lifecycle rule expired it) is kept out of the entries
 * and noted as expired; the record itself stays, as the trace of what was kept and for how long.
 */
export async function rebuildManifest(options: RebuildOptions): Promise<Manifest> {
  return (await buildManifest(options)).manifest;
}

/**
 * One listing of the records, a read of each one `stamped` cannot vouch for, and the manifest
 * written. `reread` counts the records another writer changed (or wrote) since this pass last
 * knew them.
 */
async function buildManifest(options: RebuildOptions): Promise<{ manifest: Manifest; reread: number }> {
  const { store, instanceId, signal } = options;
  const entries: ArchiveRecord[] = [];
  const recordStamps: Record<string, string> = {};
  const expired: Record<string, string> = {};
  let reread = 0;
  for await (const object of store.list(recordPrefix(instanceId), { signal })) {
    const stamp = stampOf(object);
    if (options.expired?.get(object.key) === stamp) {
      expired[object.key] = stamp;
      continue;
    }
    const held = options.stamped.get(object.key);
    let record: ArchiveRecord | string;
    if (held && held.stamp === stamp) record = held.record;
    else {
      reread += 1;
      record = await readRecord(store, object.key, signal);
    }
    if (typeof record === 'string') continue;
    // One HEAD per record past the retention until its object is seen gone; then never again.
    if (pastRetention(record, options.now, options.retentionDays ?? null) && (await store.head(record.key, signal)) === undefined) {
      expired[object.key] = stamp;
      continue;
    }
    entries.push(record);
    recordStamps[object.key] = stamp;
  }
  const manifest: Manifest = {
    schemaVersion: SCHEMA_VERSION,
    projectId: options.projectId,
    instanceId,
    ...(options.instanceName ? { instanceName: options.instanceName } : {}),
    generatedAt: options.now.toISOString(),
    entries,
    ...(options.emptyDays && options.emptyDays.length > 0 ? { emptyDays: options.emptyDays } : {}),
    recordStamps,
    ...(Object.keys(expired).length > 0 ? { expired } : {}),
  };
  await store.put(manifestKey(instanceId), `${JSON.stringify(manifest, null, 1)}\n`, { contentType: 'application/json', signal });
  return { manifest, reread };
}

/** What the transfer stage proved about a file's object. */
export interface RecordContext {
  projectId: string;
  instanceId: string;
  runId: string;
  compression: 'none' | 'gzip';
  archivedAt: Date;
}

/** The record of a file whose object was written and counted. */
export function recordOf(file: PlannedFile, transferred: Transferred, ctx: RecordContext): ArchiveRecord {
  return {
    schemaVersion: SCHEMA_VERSION,
    projectId: ctx.projectId,
    instanceId: ctx.instanceId,
    logId: file.log.id,
    fileName: file.log.fileName,
    groupName: file.log.groupName,
    replicationIp: file.log.replicationIp,
    date: file.log.date,
    key: file.key,
    bytes: transferred.bytes,
    storedBytes: transferred.storedBytes,
    sha256: transferred.sha256,
    compression: ctx.compression,
    partial: file.partial,
    complete: file.complete,
    archivedAt: ctx.archivedAt.toISOString(),
    runId: ctx.runId,
    knownLogIds: file.knownLogIds,
    events: transferred.events,
    ...transferred.storage,
  };
}

/** Rebuilds of one manifest at most, while another writer keeps changing its records. */
const MAX_MANIFEST_ROUNDS = 4;

export interface BookOptions {
  store: BucketStore;
  /** The one retry policy: every read and write of the book is retried by it. */
  retry: RetryPolicy;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  /** Ends retrying (a forceful stop); a first attempt is still made, so what finished is recorded. */
  signal?: AbortSignal;
  onRetry?: (info: { scope: string; attempt: number; delayMs: number; reason: string }) => void;
  /** The redaction layer, applied to run reports before they are written. */
  scrub?: (text: string) => string;
  /** `destination.retentionDays`, for manifest rebuilds. */
  retentionDays?: RetentionDays;
}

export interface CloseInput {
  projectId: string;
  instanceId: string;
  /** The configured or discovered name, kept in the manifest. */
  instanceName?: string;
  /** What the survey read. */
  held: InstanceRecords;
  /** Records this pass wrote, with the stamps their writes answered. */
  written: Array<{ key: string; stamped: StampedRecord }>;
  /** Re-collections seen to be no larger, to remember in the records they concern. */
  acknowledge: Acknowledgement[];
  /** Days this pass confirmed empty. */
  emptyDays: EmptyDay[];
  /** Confirmed empty days older than this are dropped: DCS no longer keeps them. */
  windowStart: string;
  now: Date;
}

export interface Closed {
  /** Every record of the instance as this pass knows them after closing. */
  records: ArchiveRecord[];
  emptyDays: EmptyDay[];
  manifestWritten: boolean;
}

/**
 * The only reader and writer of records, manifests and run reports. Reads a record only when
 * nothing this pass holds vouches for it; writes every object once, retried by the one policy.
 */
export interface Book {
  /** The manifest (one GET) and the records listed since `sinceDate` (one LIST, and a GET for each it cannot vouch for). */
  survey(instanceId: string, sinceDate: string, signal?: AbortSignal): Promise<InstanceRecords>;
  /** Writes the record of a verified object; returns it with the stamp the store answered. */
  writeRecord(record: ArchiveRecord): Promise<{ key: string; stamped: StampedRecord }>;
  /** Acknowledgements, then the manifest (one LIST and one PUT) when anything changed. */
  close(input: CloseInput): Promise<Closed>;
  writeRunReport(report: RunReport): Promise<void>;
}

export function createBook(options: BookOptions): Book {
  const { store } = options;
  const persist = <T>(scope: string, fn: () => Promise<T>): Promise<T> =>
    withRetry(
      options.retry,
      {
        sleep: (ms) => options.sleep(ms, options.signal),
        random: options.random,
        shouldRetry: (error) => failureKind(error) === 'retryable' && options.signal?.aborted !== true,
        onRetry: ({ attempt, delayMs, error }) => options.onRetry?.({ scope, attempt, delayMs, reason: describeFailure(error).reason }),
      },
      fn,
    );
  const json = { contentType: 'application/json' };

  async function writeRecord(record: ArchiveRecord) {
    const key = recordKey(record.instanceId, record.date, record.fileName);
    const written = await persist(`record ${key}`, () => store.put(key, recordText(record), json));
    // Without a version in the answer the stamp stays unknown, and the rebuild reads the record back.
    return { key, stamped: { record, stamp: stampOfWrite(written) ?? '' } };
  }

  return {
    survey: (instanceId, sinceDate, signal) => persist(`records of ${instanceId}`, () => loadInstanceRecords({ store, instanceId, sinceDate, ...(signal ? { signal } : {}) })),

    writeRecord,

    async close(input) {
      const stamped = new Map(input.held.stamped);
      for (const { key, stamped: entry } of input.written) stamped.set(key, entry);
      for (const { record, logIds, complete } of input.acknowledge) {
        const updated: ArchiveRecord = { ...record, knownLogIds: [...new Set([...record.knownLogIds, ...logIds])], complete: record.complete || complete };
        const { key, stamped: entry } = await writeRecord(updated);
        stamped.set(key, entry);
      }
      const emptyDays = [...input.held.emptyDays, ...input.emptyDays].filter((d) => d.date >= input.windowStart);
      const changed =
        input.held.stale || input.written.length > 0 || input.acknowledge.length > 0 || emptyDays.length !== input.held.emptyDays.length;
      const byIdentity = new Map<string, ArchiveRecord>();
      for (const { record } of stamped.values()) byIdentity.set(identityOf(record), record);
      if (changed) {
        const rebuild = (held: ReadonlyMap<string, StampedRecord>) =>
          persist(`manifest of ${input.instanceId}`, () => buildManifest({
            store,
            projectId: input.projectId,
            instanceId: input.instanceId,
            ...(input.instanceName ? { instanceName: input.instanceName } : {}),
            stamped: held,
            emptyDays,
            retentionDays: options.retentionDays ?? null,
            expired: input.held.expired,
            now: input.now,
          }),
        );
        let built = await rebuild(stamped);
        // A record another writer changed meanwhile: another runner is at work on this instance,
        // and a listing may lag behind its writes, so no stamp can vouch for a record now. Read
        // every record again until two readings agree (bounded): the last manifest either runner
        // writes then holds every record as it is. Alone, a pass never gets here.
        for (let round = 1; built.reread > 0 && round < MAX_MANIFEST_ROUNDS; round++) {
          const previous = built.manifest;
          built = await rebuild(new Map());
          if (isDeepStrictEqual(previous.entries, built.manifest.entries)) break;
        }
      }
      return { records: [...byIdentity.values()], emptyDays, manifestWritten: changed };
    },

    async writeRunReport(report) {
      const text = `${JSON.stringify(report, null, 1)}\n`;
      await persist(`run report ${report.runId}`, () => store.put(runReportKey(report.runId), options.scrub ? options.scrub(text) : text, json));
    },
  };
}
