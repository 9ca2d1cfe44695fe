/**
 * Which archived files a reader wants: instances by id or name (configured, or as a manifest
 * names them), days, replica. Found through the manifests and the records (the same reading a
 * pass makes: one manifest GET and one records LIST per instance), never by listing the bucket.
 * Files come instance by instance, so memory holds one instance's records at a time.
 */
import type { InstanceRef } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { loadInstanceRecords, type InstanceRecords } from '../records/book.js';
import { archivedInstanceSegments, manifestIdentity } from '../records/catalog.js';
import { manifestKey, recordPrefix } from '../records/layout.js';
import type { ArchiveRecord } from '../records/record.js';
import type { BucketStore } from '../store/store.js';
import { dayInWindow, type Window } from './window.js';

export interface InstanceChoice {
  id: string;
  /** From the configuration, else from the manifest. */
  name?: string;
}

export interface ArchivedFile {
  record: ArchiveRecord;
  instanceName?: string;
}

/** One archived file to read, or a record that could not be read (the reader reports it). */
export type Selected = { kind: 'file'; file: ArchivedFile } | { kind: 'problem'; instanceId: string; detail: string };

export interface FileFilter {
  window: Window;
  /** Only this replica's files (its IP). */
  replica?: string;
}

/**
 * `--instance` values as instances: a configured id or name, an id the bucket holds something
 * of, or a name a manifest carries. None given: every instance with a manifest. A value that
 * names nothing is a usage error (exit 2), not an empty result.
 */
export async function resolveInstances(store: BucketStore, wanted: readonly string[], configured: readonly InstanceRef[], signal?: AbortSignal): Promise<InstanceChoice[]> {
  const configuredName = (id: string) => configured.find((instance) => instance.id === id)?.name;
  const withName = (id: string, name: string | undefined): InstanceChoice => ({ id, ...(name ? { name } : {}) });
  if (wanted.length === 0) {
    const all: InstanceChoice[] = [];
    for await (const segment of archivedInstanceSegments(store, signal)) all.push(withName(segment, configuredName(segment)));
    return all;
  }
  let named: Map<string, string> | undefined;
  const chosen: InstanceChoice[] = [];
  const unknown: string[] = [];
  for (const value of wanted) {
    const match = configured.find((instance) => instance.id === value || instance.name === value);
    if (match) {
      chosen.push(withName(match.id, match.name));
      continue;
    }
    if ((await store.head(manifestKey(value), signal)) || (await hasAny(store.list(recordPrefix(value), signal ? { signal } : {})))) {
      chosen.push({ id: value });
      continue;
    }
    // A discovered instance's name is only in its manifest: read them once, for every value.
    named ??= await namesInManifests(store, signal);
    const id = named.get(value);
    if (id) chosen.push(withName(id, value));
    else unknown.push(value);
  }
  if (unknown.length > 0) {
    throw new ConfigError(
      '--instance',
      `${unknown.map((u) => JSON.stringify(u)).join(', ')} names no configured instance, and no manifest in ${store.location} has that id or name; allowed: an id or a name of a configured instance, or the id or name of an archived one`,
    );
  }
  const seen = new Set<string>();
  return chosen.filter((choice) => !seen.has(choice.id) && seen.add(choice.id));
}

async function namesInManifests(store: BucketStore, signal?: AbortSignal): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for await (const segment of archivedInstanceSegments(store, signal)) {
    const identity = await manifestIdentity(store, segment, signal);
    if (identity?.instanceName && !names.has(identity.instanceName)) names.set(identity.instanceName, identity.instanceId);
  }
  return names;
}

async function hasAny(objects: AsyncIterable<unknown>): Promise<boolean> {
  for await (const _ of objects) return true;
  return false;
}

/** Days first, then replica, then file name: the order a reader hands files on. */
export function fileOrder(a: ArchiveRecord, b: ArchiveRecord): number {
  return a.date.localeCompare(b.date) || a.replicationIp.localeCompare(b.replicationIp) || a.fileName.localeCompare(b.fileName);
}

/** Instances whose records are read ahead while earlier ones' files are being read. */
const READ_AHEAD = 4;

/**
 * The files of these instances that pass the filter, instance by instance, each in fileOrder.
 * The records of the next few instances are read meanwhile (a manifest GET and a records LIST
 * each), so a reader of many small instances does not wait on them one by one; memory holds
 * the records of at most READ_AHEAD + 1 instances.
 */
export async function* selectFiles(store: BucketStore, instances: readonly InstanceChoice[], filter: FileFilter, signal?: AbortSignal): AsyncGenerator<Selected> {
  const load = (instance: InstanceChoice) => {
    const loading = loadInstanceRecords({ store, instanceId: instance.id, ...(filter.window.fromDate ? { sinceDate: filter.window.fromDate } : {}), ...(signal ? { signal } : {}) });
    // Awaited in turn below; until then a failure must not count as unhandled.
    loading.catch(() => {});
    return loading;
  };
  const ahead: Array<Promise<InstanceRecords> | undefined> = instances.slice(0, READ_AHEAD).map(load);
  for (const [index, instance] of instances.entries()) {
    const held = await ahead[index]!;
    if (index + READ_AHEAD < instances.length) ahead.push(load(instances[index + READ_AHEAD]!));
    ahead[index] = undefined;
    for (const detail of held.problems) yield { kind: 'problem', instanceId: instance.id, detail };
    const name = instance.name ?? held.instanceName;
    const records = [...held.byIdentity.values()]
      .filter((record) => dayInWindow(filter.window, record.date) && (filter.replica === undefined || record.replicationIp === filter.replica))
      .sort(fileOrder);
    for (const record of records) yield { kind: 'file', file: { record, ...(name ? { instanceName: name } : {}) } };
  }
}
