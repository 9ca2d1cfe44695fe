import { manifestKey, recordKey, recordPrefix } from '../plan/keys.js';
import type { BucketStore, StoredObject } from '../store/store.js';
import { identityOf, parseRecord, SCHEMA_VERSION, type ArchiveRecord, type EmptyDay, type Manifest } from './record.js';

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

/** LastModified is often to the second only; the size and the store's version token tell apart two writes within one. */
export function stampOf(object: StoredObject): string {
  return `${object.lastModified.toISOString()} ${object.size}${object.version ? ` ${object.version}` : ''}`;
}

export async function loadInstanceRecords({ store, instanceId, sinceDate, signal }: LoadOptions): Promise<InstanceRecords> {
  const manifest = await readManifest(store, instanceId, signal);
  const fromManifest = new Map<string, ArchiveRecord>();
  for (const entry of manifest?.entries ?? []) fromManifest.set(recordKey(entry.instanceId, entry.date, entry.fileName), entry);
  const stamps: Record<string, string> = manifest?.recordStamps ?? {};

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
  for (const [key, entry] of fromManifest) {
    const inWindow = startAfter === undefined || key > startAfter;
    if (!inWindow) stamped.set(key, { record: entry, stamp: stamps[key] ?? '' });
    else if (!listed.has(key)) stale = true; // its record is gone: archive the file again
  }
  if (!manifest && stamped.size > 0) stale = true;

  const byIdentity = new Map<string, ArchiveRecord>();
  for (const { record } of stamped.values()) byIdentity.set(identityOf(record), record);
  return { byIdentity, stamped, stale, problems, emptyDays: manifest?.emptyDays ?? [] };
}

async function readManifest(store: BucketStore, instanceId: string, signal?: AbortSignal) {
  const found = await store.get(manifestKey(instanceId), signal);
  if (!found) return undefined;
  const parsed = parseManifest(found.body.toString('utf8'));
  if (typeof parsed === 'string') return { entries: [], emptyDays: [], recordStamps: {}, problem: parsed };
  return { entries: parsed.entries, emptyDays: parsed.emptyDays ?? [], recordStamps: parsed.recordStamps ?? {}, problem: undefined };
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
  return { ...(m as Manifest), entries, emptyDays, recordStamps };
}

/**
 * Rebuilds the manifest from every record in the bucket, with each record's stamp. A record is
 * read unless this pass already holds it at the very version listed now.
 */
export async function rebuildManifest(options: {
  store: BucketStore;
  projectId: string;
  instanceId: string;
  stamped: ReadonlyMap<string, StampedRecord>;
  /** Carried over: they live only in the manifest. */
  emptyDays?: EmptyDay[];
  now: Date;
  signal?: AbortSignal;
}): Promise<Manifest> {
  const { store, instanceId, signal } = options;
  const entries: ArchiveRecord[] = [];
  const recordStamps: Record<string, string> = {};
  for await (const object of store.list(recordPrefix(instanceId), { signal })) {
    const stamp = stampOf(object);
    const held = options.stamped.get(object.key);
    const record = held && held.stamp === stamp ? held.record : await readRecord(store, object.key, signal);
    if (typeof record === 'string') continue;
    entries.push(record);
    recordStamps[object.key] = stamp;
  }
  const manifest: Manifest = {
    schemaVersion: SCHEMA_VERSION,
    projectId: options.projectId,
    instanceId,
    generatedAt: options.now.toISOString(),
    entries,
    ...(options.emptyDays && options.emptyDays.length > 0 ? { emptyDays: options.emptyDays } : {}),
    recordStamps,
  };
  await store.put(manifestKey(instanceId), `${JSON.stringify(manifest, null, 1)}\n`, { contentType: 'application/json', signal });
  return manifest;
}
