import { setMaxListeners } from 'node:events';
import pLimit, { type LimitFunction } from 'p-limit';
import { AbortedError, errorMessage, failureKind } from '../errors.js';
import { manifestKeyOfSegment, manifestSegment, MANIFESTS_PREFIX, RECORDS_PREFIX, recordKey, recordPrefix, RUNS_PREFIX } from '../records/layout.js';
import { safeSegment } from '../store/key-safety.js';
import { parseManifest, rebuildManifest } from '../records/book.js';
import { parseRecord, type ArchiveRecord, type Manifest } from '../records/record.js';
import { pastRetention, type RetentionDays } from '../records/retention.js';
import { sleep as realSleep, withRetry, type RetryPolicy } from '../retry.js';
import type { BucketStore, StoredObject } from '../store/store.js';
import { compareManifest } from './compare-manifest.js';
import { digestObject } from './digest-object.js';
import { isProblem, type Finding, type Fix, type Problem, type VerifySummary } from './findings.js';
import { settleAll, TaskPool } from '../task-pool.js';

export interface VerifyOptions {
  store: BucketStore;
  /**
   * Only these instance ids: their records and manifests. Unrecorded objects and pending uploads
   * cannot be told apart by instance (the key template decides where objects go), so they are
   * checked only when this is empty or omitted (the whole bucket).
   */
  instances?: readonly string[];
  /** Read every object back and compare its SHA-256 and byte count with the record. */
  deep: boolean;
  /** Rebuild stale manifests and abort orphaned uploads. Nothing else is ever changed. */
  fix: boolean;
  /**
   * `destination.retentionDays`: a record archived longer ago whose object is gone is `expired`
   * (a note), not `missing-object`; manifests may leave such records out. Default null: forever.
   */
  retentionDays?: RetentionDays;
  /**
   * `destination.objectLock`: every record's object must be retained at least `days` after it
   * was written (`lock-missing`, `lock-short` otherwise). Objects are never changed to fix it.
   */
  objectLock?: { days: number } | null;
  /**
   * A pending upload older than this is orphaned; a younger one is reported as in progress
   * (another runner's, probably). 0 counts every pending upload as orphaned.
   */
  olderThanMs: number;
  now: () => Date;
  /** Told every problem, fix and note as it is found. */
  onFinding?: (finding: Finding) => void;
  /** Records checked at once (a GET and a HEAD each). */
  concurrency?: number;
  /** Objects read back at once with `deep`. */
  deepConcurrency?: number;
  /** For store errors classified retryable (the store's client has already retried them). */
  retry?: RetryPolicy;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  /** Stops the audit (it then throws AbortedError). */
  signal?: AbortSignal;
}

/** The store's clock stamps LastModified, ours the retain-until date: allow them to differ this much. */
const LOCK_CLOCK_SLACK_MS = 5 * 60_000;

function lockProblem(head: StoredObject, days: number): Pick<Problem, 'kind' | 'expected' | 'actual' | 'detail'> | undefined {
  const lock = head.storage?.objectLock;
  if (!lock) return { kind: 'lock-missing', expected: `retained ${days} days`, detail: 'the object has no Object Lock retention' };
  const retainedMs = Date.parse(lock.retainUntil) - head.lastModified.getTime();
  if (retainedMs + LOCK_CLOCK_SLACK_MS >= days * 86_400_000) return undefined;
  return { kind: 'lock-short', expected: `retained ${days} days`, actual: `retained until ${lock.retainUntil} (${lock.mode})` };
}

const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 500, maxDelayMs: 5_000 };
const FAILED = Symbol('check failed');

/**
 * Audits the bucket against the records: every record's object (HEAD, or read back with `deep`),
 * every manifest against its records, objects no record names, and multipart uploads left
 * pending. Read-only unless `fix`. Problems are reported through `onFinding` as they are found;
 * the summary counts them. Throws only when the audit itself cannot go on: a fatal store error
 * (access denied, missing bucket), a listing that fails, or `signal`.
 */
export async function verifyBucket(options: VerifyOptions): Promise<VerifySummary> {
  const { store, deep, fix } = options;
  const started = options.now();
  const only = [...new Set(options.instances ?? [])];
  const scope = only.length > 0 ? 'instances' : 'bucket';
  const concurrency = options.concurrency ?? 8;
  const limit = pLimit(concurrency);
  const deepLimit = pLimit(options.deepConcurrency ?? 4);
  const retry = {
    policy: options.retry ?? DEFAULT_RETRY,
    sleep: options.sleep ?? realSleep,
    random: options.random ?? Math.random,
  };

  const retentionDays = options.retentionDays ?? null;
  const summary: VerifySummary = { clean: true, scope, deep, fix, instances: 0, records: 0, expired: 0, objectsRead: 0, bytesRead: 0, problems: {}, fixed: {}, unresolved: 0, ms: 0 };
  const report = (finding: Finding) => {
    if (isProblem(finding)) {
      summary.problems[finding.kind] = (summary.problems[finding.kind] ?? 0) + 1;
      summary.unresolved++;
    } else if (finding.kind === 'fixed-manifest' || finding.kind === 'fixed-orphaned-upload') {
      summary.fixed[finding.kind] = (summary.fixed[finding.kind] ?? 0) + 1;
    }
    options.onFinding?.(finding);
  };
  const resolved = (done: Fix, count: number) => {
    summary.unresolved -= count;
    report(done);
  };

  // A fatal store error stops everything; so does the caller's signal.
  const halt = new AbortController();
  let fatal: { error: unknown } | undefined;
  const stop = options.signal ? AbortSignal.any([options.signal, halt.signal]) : halt.signal;
  // Every store call in flight listens to it, as many as the limits allow: not a leak.
  setMaxListeners(0, stop);
  const stopWith = (error: unknown) => {
    fatal ??= { error };
    halt.abort();
  };

  /**
   * One store call under `limiter`, retried when retryable. A failure that leaves this item
   * unchecked is reported (check-failed) and FAILED returned; a fatal one stops the audit.
   */
  async function attempt<T>(limiter: LimitFunction, about: Omit<Problem, 'kind'>, what: string, call: (signal: AbortSignal) => Promise<T>): Promise<T | typeof FAILED> {
    try {
      return await limiter(() => {
        if (stop.aborted) throw new AbortedError('verify stopped');
        return withRetry(retry.policy, { sleep: retry.sleep, random: retry.random, signal: stop }, () => call(stop));
      });
    } catch (error) {
      if (stop.aborted || error instanceof AbortedError) throw new AbortedError('verify stopped');
      if (failureKind(error) === 'fatal') {
        stopWith(error);
        throw error;
      }
      report({ ...about, kind: 'check-failed', detail: `${what}: ${errorMessage(error)}` });
      return FAILED;
    }
  }

  /** Object keys named by a record: every other object outside records/, manifests/, runs/ is unrecorded. */
  const referenced = new Set<string>();
  /** Records (by record key) whose object expired past the retention. */
  const expiredRecords = new Set<string>();
  const isPast = (record: ArchiveRecord) => pastRetention(record, options.now(), retentionDays);
  /** A gone object past the retention is the lifecycle rule at work; before it, a loss. */
  const gone = (about: { key: string; instanceId: string; record: string }, record: ArchiveRecord, detail?: string) => {
    if (isPast(record)) {
      expiredRecords.add(about.record);
      summary.expired++;
      report({ ...about, kind: 'expired', detail: `archived ${record.archivedAt}, more than destination.retentionDays (${retentionDays}) ago` });
    } else report({ ...about, kind: 'missing-object', expected: record.storedBytes, ...(detail ? { detail } : {}) });
  };

  async function checkRecord(key: string): Promise<ArchiveRecord | undefined> {
    const found = await attempt(limit, { key }, 'read record', (signal) => store.get(key, signal));
    if (found === FAILED || found === undefined) return undefined; // gone since listed: it claims nothing now
    summary.records++;
    const record = parseRecord(found.body.toString('utf8'));
    if (typeof record === 'string') {
      report({ kind: 'unreadable-record', key, detail: record });
      return undefined;
    }
    referenced.add(record.key);
    const expectedKey = recordKey(record.instanceId, record.date, record.fileName);
    if (expectedKey !== key) report({ kind: 'misplaced-record', key, instanceId: record.instanceId, expected: expectedKey, actual: key });

    const about = { key: record.key, instanceId: record.instanceId, record: key };
    const head = await attempt(limit, about, 'head object', (signal) => store.head(record.key, signal));
    if (head === FAILED) return record;
    if (head === undefined) {
      gone(about, record);
      return record;
    }
    if (head.size !== record.storedBytes) {
      report({ ...about, kind: 'size-mismatch', expected: record.storedBytes, actual: head.size });
      return record;
    }
    if (options.objectLock) {
      const lock = lockProblem(head, options.objectLock.days);
      if (lock) report({ ...about, ...lock });
    }
    if (!deep) return record;

    const digest = await attempt(deepLimit, about, 'read object', (signal) => digestObject(store, record.key, record.compression, signal));
    if (digest === FAILED) return record;
    if (digest === undefined) {
      gone(about, record, 'vanished while being read');
      return record;
    }
    summary.objectsRead++;
    summary.bytesRead += digest.storedBytes;
    if (digest.corrupt !== undefined) {
      report({ ...about, kind: 'hash-mismatch', expected: record.sha256, detail: digest.corrupt });
    } else if (digest.storedBytes !== record.storedBytes) {
      report({ ...about, kind: 'size-mismatch', expected: record.storedBytes, actual: digest.storedBytes, detail: 'while reading it back' });
    } else if (digest.sha256 !== record.sha256 || digest.bytes !== record.bytes) {
      const bytes = digest.bytes === record.bytes ? undefined : `source bytes: record ${record.bytes}, object ${digest.bytes}`;
      report({ ...about, kind: 'hash-mismatch', expected: record.sha256, actual: digest.sha256, ...(bytes ? { detail: bytes } : {}) });
    }
    return record;
  }

  /**
   * Checks an instance's records, then its manifest against them; with `fix`, rebuilds a manifest
   * that does not match. `segment` is the instance's key segment (records/{segment}/...).
   */
  async function checkInstance(segment: string, recordKeys: string[], instanceId?: string): Promise<void> {
    summary.instances++;
    const records = (await settleAll(recordKeys.map((key) => checkRecord(key)))).filter((record): record is ArchiveRecord => record !== undefined);
    const key = manifestKeyOfSegment(segment);
    const found = await attempt(limit, { key, ...(instanceId ? { instanceId } : {}) }, 'read manifest', (signal) => store.get(key, signal));
    if (found === FAILED) return;

    // Prefer the instance id the records give (they sit where their fields say), then the manifest's.
    const owner = records.find((record) => recordKey(record.instanceId, record.date, record.fileName).startsWith(`${RECORDS_PREFIX}${segment}/`));
    let manifest: Manifest | undefined;
    const problems: Problem[] = [];
    if (found === undefined) {
      if (records.length > 0) problems.push({ kind: 'manifest-missing', key, instanceId: owner?.instanceId ?? instanceId ?? segment, expected: records.length });
      else if (scope === 'instances' && recordKeys.length === 0) report({ kind: 'instance-empty', key: recordPrefix(instanceId ?? segment), ...(instanceId ? { instanceId } : {}), detail: 'no records and no manifest' });
    } else {
      const parsed = parseManifest(found.body.toString('utf8'));
      if (typeof parsed === 'string') problems.push({ kind: 'manifest-unreadable', key, instanceId: owner?.instanceId ?? instanceId ?? segment, detail: parsed });
      else {
        manifest = parsed;
        problems.push(
          ...compareManifest(key, parsed.entries, records, {
            objectExpired: (record) => expiredRecords.has(recordKey(record.instanceId, record.date, record.fileName)),
            pastRetention: isPast,
          }),
        );
      }
    }
    for (const problem of problems) report(problem);
    if (!fix || problems.length === 0) return;

    const projectId = owner?.projectId ?? manifest?.projectId;
    const ownerId = owner?.instanceId ?? manifest?.instanceId ?? instanceId;
    if (!projectId || !ownerId || safeSegment(ownerId) !== segment) {
      report({ kind: 'fix-failed', key, detail: 'cannot rebuild: no record or readable manifest of this instance names its project and id' });
      return;
    }
    // Every record is read again: the rebuilt manifest stamps each with the version it read.
    const rebuilt = await attempt(limit, { key, instanceId: ownerId }, 'rebuild manifest', (signal) =>
      rebuildManifest({ store, projectId, instanceId: ownerId, ...(manifest?.instanceName ? { instanceName: manifest.instanceName } : {}), stamped: new Map(), emptyDays: manifest?.emptyDays ?? [], retentionDays, now: options.now(), signal }),
    );
    if (rebuilt === FAILED) {
      // attempt() reported it as check-failed; the manifest's problems stay unresolved.
      return;
    }
    resolved({ kind: 'fixed-manifest', key, instanceId: ownerId, entries: rebuilt.entries.length, resolved: problems.length }, problems.length);
  }

  async function checkUploads(): Promise<void> {
    const listed = await attempt(limit, { key: '' }, 'list pending uploads', (signal) => store.listPendingUploads('', signal));
    if (listed === FAILED) return;
    const now = options.now().getTime();
    for (const upload of listed) {
      const age = now - upload.initiated.getTime();
      const about = { key: upload.key, uploadId: upload.id, initiated: upload.initiated.toISOString() };
      if (options.olderThanMs > 0 && age < options.olderThanMs) {
        report({ ...about, kind: 'upload-in-progress', detail: `started ${Math.max(0, Math.round(age / 60_000))} min ago` });
        continue;
      }
      report({ ...about, kind: 'orphaned-upload', expected: `older than ${options.olderThanMs / 60_000} min`, actual: `${Math.round(age / 60_000)} min` });
      if (!fix) continue;
      const aborted = await attempt(limit, about, 'abort upload', (signal) => store.abortPendingUpload(upload, signal));
      if (aborted !== FAILED) resolved({ kind: 'fixed-orphaned-upload', key: upload.key, uploadId: upload.id }, 1);
    }
  }

  async function checkUnrecordedObjects(): Promise<void> {
    for await (const object of store.list('', { signal: stop })) {
      if (object.key.startsWith(RECORDS_PREFIX) || object.key.startsWith(RUNS_PREFIX) || manifestSegment(object.key) !== undefined) continue;
      if (referenced.has(object.key)) continue;
      report({ kind: 'unrecorded-object', key: object.key, actual: object.size, detail: `no record names it (last modified ${object.lastModified.toISOString()}); left in place: it may be another tool's` });
    }
  }

  const pool = new TaskPool(concurrency, (error) => {
    if (!(error instanceof AbortedError)) stopWith(error);
  });
  try {
    await store.check(stop);
    if (scope === 'instances') {
      for (const instanceId of only) {
        if (stop.aborted) break;
        const keys: string[] = [];
        for await (const object of store.list(recordPrefix(instanceId), { signal: stop })) keys.push(object.key);
        const segment = recordPrefix(instanceId).slice(RECORDS_PREFIX.length, -1);
        await pool.add(() => checkInstance(segment, keys, instanceId));
      }
    } else {
      const manifests = new Set<string>();
      for await (const object of store.list(MANIFESTS_PREFIX, { signal: stop })) {
        const segment = manifestSegment(object.key);
        if (segment !== undefined) manifests.add(segment);
      }
      // Keys sort, so one instance's records are listed together.
      let group: { segment: string; keys: string[] } | undefined;
      const flush = async () => {
        if (!group) return;
        const { segment, keys } = group;
        manifests.delete(segment);
        group = undefined;
        await pool.add(() => checkInstance(segment, keys));
      };
      for await (const object of store.list(RECORDS_PREFIX, { signal: stop })) {
        if (stop.aborted) break;
        const rest = object.key.slice(RECORDS_PREFIX.length);
        const slash = rest.indexOf('/');
        if (slash <= 0) {
          summary.records++;
          report({ kind: 'unreadable-record', key: object.key, detail: 'not under records/{instance}/' });
          continue;
        }
        const segment = rest.slice(0, slash);
        if (group?.segment !== segment) await flush();
        group ??= { segment, keys: [] };
        group.keys.push(object.key);
      }
      await flush();
      // Manifests of instances without a single record: every entry is extra.
      for (const segment of manifests) {
        if (stop.aborted) break;
        await pool.add(() => checkInstance(segment, []));
      }
    }
    await pool.drain();
    if (scope === 'bucket' && !stop.aborted) {
      // After every record is read, so the set of referenced keys is complete.
      await checkUnrecordedObjects();
      await checkUploads();
    }
  } catch (error) {
    halt.abort();
    await pool.drain().catch(() => undefined);
    if (fatal) throw fatal.error;
    throw options.signal?.aborted ? new AbortedError('verify stopped before completion') : error;
  }
  if (fatal) throw fatal.error;
  if (options.signal?.aborted) throw new AbortedError('verify stopped before completion');

  summary.clean = summary.unresolved === 0;
  summary.ms = options.now().getTime() - started.getTime();
  return summary;
}
