import { manifestKey, recordKey, recordPrefix } from '../plan/keys.js';
import type { BucketStore, StoredObject } from '../store/store.js';
import { identityOf, parseRecord, recordText, SCHEMA_VERSION, type ArchiveRecord, type EmptyDay, type Manifest } from './record.js';

/**
 * An instance's records as this pass knows them. The manifest is read first (one GET) and
 * only records it cannot vouch for are read one by one: those newer than it, and those it
 * lacks. In the steady state that is two requests per instance, whatever the history length.
 */
export interface InstanceRecords {
  /** By identity (instance + day + file name). */
  byIdentity: Map<string, ArchiveRecord>;
  /** The manifest no longer matches the records: rebuild it at the end of the pass. */
  stale: boolean;
  /** Records that could not be read or parsed, with why (their files will be archived again). */
  problems: string[];
  /** Confirmed empty days, from the manifest. */
  emptyDays: EmptyDay[];
}

interface LoadOptions {
  store: BucketStore;
  instanceId: string;
  /** Only records of this day or later are compared with the bucket; older ones come from the manifest. */
  sinceDate?: string;
  signal?: AbortSignal;
}

export async function loadInstanceRecords({ store, instanceId, sinceDate, signal }: LoadOptions): Promise<InstanceRecords> {
  const manifest = await readManifest(store, instanceId, signal);
  const fromManifest = new Map<string, ArchiveRecord>();
  for (const entry of manifest?.entries ?? []) fromManifest.set(recordKey(entry.instanceId, entry.date, entry.fileName), entry);

  const prefix = recordPrefix(instanceId);
  const startAfter = sinceDate ? `${prefix}${sinceDate}` : undefined;
  const byKey = new Map<string, ArchiveRecord>();
  const problems: string[] = [];
  let stale = manifest === undefined ? false : manifest.problem !== undefined;
  const listed = new Set<string>();

  for await (const object of store.list(prefix, { ...(startAfter ? { startAfter } : {}), signal })) {
    listed.add(object.key);
    const known = fromManifest.get(object.key);
    if (known && manifest && vouchedFor(object, known, manifest.lastModified)) {
      byKey.set(object.key, known);
      continue;
    }
    stale = true;
    const record = await readRecord(store, object.key, signal);
    if (typeof record === 'string') problems.push(`${object.key}: ${record}`);
    else byKey.set(object.key, record);
  }
  for (const [key, entry] of fromManifest) {
    const inWindow = startAfter === undefined || key > startAfter;
    if (!inWindow) byKey.set(key, entry);
    else if (!listed.has(key)) stale = true; // its record is gone: archive the file again
  }
  if (!manifest && byKey.size > 0) stale = true;

  const byIdentity = new Map<string, ArchiveRecord>();
  for (const record of byKey.values()) byIdentity.set(identityOf(record), record);
  return { byIdentity, stale, problems, emptyDays: manifest?.emptyDays ?? [] };
}

/**
 * The manifest's entry still is the record: the record is older than the manifest, or (stores
 * give LastModified to the second, and a manifest is often written in the same second as the
 * records it lists) as old and exactly the size of the entry written out. Every rewrite of a
 * record changes its size: a replacement or an acknowledgement adds to `knownLogIds`.
 */
function vouchedFor(object: StoredObject, entry: ArchiveRecord, manifestLastModified: Date): boolean {
  if (object.lastModified < manifestLastModified) return true;
  return object.lastModified.getTime() === manifestLastModified.getTime() && object.size === Buffer.byteLength(recordText(entry));
}

async function readManifest(store: BucketStore, instanceId: string, signal?: AbortSignal) {
  const found = await store.get(manifestKey(instanceId), signal);
  if (!found) return undefined;
  const parsed = parseManifest(found.body.toString('utf8'));
  if (typeof parsed === 'string') return { entries: [], emptyDays: [], lastModified: found.lastModified, problem: parsed };
  return { entries: parsed.entries, emptyDays: parsed.emptyDays ?? [], lastModified: found.lastModified, problem: undefined };
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
  return { ...(m as Manifest), entries, emptyDays };
}

/**
 * Rebuilds the manifest from every record in the bucket. Records this pass already holds
 * (read or written by it) are not read again.
 */
export async function rebuildManifest(options: {
  store: BucketStore;
  projectId: string;
  instanceId: string;
  known: ReadonlyMap<string, ArchiveRecord>;
  /** Carried over: they live only in the manifest. */
  emptyDays?: EmptyDay[];
  now: Date;
  signal?: AbortSignal;
}): Promise<Manifest> {
  const { store, instanceId, signal } = options;
  const knownByKey = new Map<string, ArchiveRecord>();
  for (const record of options.known.values()) knownByKey.set(recordKey(record.instanceId, record.date, record.fileName), record);
  const entries: ArchiveRecord[] = [];
  for await (const object of store.list(recordPrefix(instanceId), { signal })) {
    const known = knownByKey.get(object.key);
    if (known) {
      entries.push(known);
      continue;
    }
    const record = await readRecord(store, object.key, signal);
    if (typeof record !== 'string') entries.push(record);
  }
  const manifest: Manifest = {
    schemaVersion: SCHEMA_VERSION,
    projectId: options.projectId,
    instanceId,
    generatedAt: options.now.toISOString(),
    entries,
    ...(options.emptyDays && options.emptyDays.length > 0 ? { emptyDays: options.emptyDays } : {}),
  };
  await store.put(manifestKey(instanceId), `${JSON.stringify(manifest, null, 1)}\n`, { contentType: 'application/json', signal });
  return manifest;
}
