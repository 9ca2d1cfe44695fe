/** What the bucket holds about each archived file: the record, the manifest and the run report. */
import { EVENT_KINDS } from '../redis-log/events.js';
import type { EventCounts } from '../redis-log/tally.js';
import type { ObjectStorage } from '../store/object-settings.js';

export const SCHEMA_VERSION = 1;

/** One per archived file, written only after its object was verified. */
export interface ArchiveRecord {
  schemaVersion: typeof SCHEMA_VERSION;
  projectId: string;
  instanceId: string;
  /** The listing item that was archived. */
  logId: string;
  fileName: string;
  groupName: string;
  replicationIp: string;
  /** The day the file covers, yyyy-MM-dd. */
  date: string;
  /** The object's key, relative to the destination prefix. */
  key: string;
  /** Source bytes. */
  bytes: number;
  /** Bytes of the stored object (differs from `bytes` when compressed). */
  storedBytes: number;
  /** Hex SHA-256 of the source bytes. */
  sha256: string;
  compression: 'none' | 'gzip';
  /** The day was still open when the file was archived: a later, complete file replaces it. */
  partial: boolean;
  /**
   * The archived item was collected by this archiver after its day had ended, so it holds the
   * whole day. Until then (an item collected earlier, by hand or before midnight) the day is
   * collected once more and the larger file kept.
   */
  complete: boolean;
  archivedAt: string;
  runId: string;
  /**
   * Other listing items for the same file that were seen to be no larger than this one
   * (re-collections). Remembered so they are not probed again on every pass.
   */
  knownLogIds: string[];
  /**
   * The Redis server events in the file, counted from the bytes as they were archived (per kind:
   * how many, earliest and latest time). Absent in records written before events were counted:
   * for those the object has to be read.
   */
  events?: EventCounts;
  /** The object's storage class, when destination.storageClass set one. */
  storageClass?: ObjectStorage['storageClass'];
  /** The object's server-side encryption (and KMS key id), when destination.serverSideEncryption set one. */
  serverSideEncryption?: ObjectStorage['serverSideEncryption'];
  kmsKeyId?: ObjectStorage['kmsKeyId'];
  /** The object's Object Lock mode and retain-until date, when destination.objectLock set one. */
  objectLock?: ObjectStorage['objectLock'];
}

export interface Manifest {
  schemaVersion: typeof SCHEMA_VERSION;
  projectId: string;
  instanceId: string;
  /**
   * The instance's configured or discovered name when the manifest was written, so readers with
   * only the bucket's credentials can find an instance by name. Absent in older manifests.
   */
  instanceName?: string;
  generatedAt: string;
  entries: ArchiveRecord[];
  /**
   * Days a replica was collected after they ended and produced no file: absence confirmed,
   * not a failure. Soft state: if lost, the day is simply collected again.
   */
  emptyDays?: EmptyDay[];
  /**
   * Each record object's LastModified and size when the manifest was built, by record key: a
   * record whose object still has its stamp needs no reading.
   */
  recordStamps?: Record<string, string>;
  /**
   * Records past `destination.retentionDays` whose object is gone (a lifecycle rule expired it),
   * by record key, with the record object's stamp: left out of `entries` (the manifest lists what
   * is kept), and not looked at again while the record keeps that stamp.
   */
  expired?: Record<string, string>;
}

export interface EmptyDay {
  /** The replica's IP, or `node` for a single-node instance. */
  replica: string;
  date: string;
  confirmedAt: string;
  runId: string;
}

/** A record object's bytes, the same wherever a record is written. */
export function recordText(record: ArchiveRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}

/** The identity of a file: one per replica per day, whatever its listing id. */
export function identityOf(file: { instanceId: string; date: string; fileName: string }): string {
  return `${file.instanceId}\u0000${file.date}\u0000${file.fileName}`;
}

/** Reads a record written by any version of this tool; undefined (with why) when it is not one. */
export function parseRecord(text: string): ArchiveRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (typeof value !== 'object' || value === null) return 'not an object';
  const r = value as Record<string, unknown>;
  if (r.schemaVersion !== SCHEMA_VERSION) return `schemaVersion ${JSON.stringify(r.schemaVersion)} is not ${SCHEMA_VERSION}`;
  for (const field of ['projectId', 'instanceId', 'logId', 'fileName', 'groupName', 'replicationIp', 'date', 'key', 'sha256', 'archivedAt', 'runId']) {
    if (typeof r[field] !== 'string') return `field ${field} is missing or not a string`;
  }
  for (const field of ['bytes', 'storedBytes']) {
    if (typeof r[field] !== 'number' || !Number.isSafeInteger(r[field]) || (r[field] as number) < 0) return `field ${field} is not a byte count`;
  }
  if (r.compression !== 'none' && r.compression !== 'gzip') return 'field compression is not none or gzip';
  if (typeof r.partial !== 'boolean') return 'field partial is not a boolean';
  const knownLogIds = Array.isArray(r.knownLogIds) ? r.knownLogIds.filter((id): id is string => typeof id === 'string') : [];
  const record: ArchiveRecord = { ...(r as unknown as ArchiveRecord), knownLogIds, complete: r.complete === true };
  // Counts that are not well formed are as good as none: a reader then counts from the object.
  if (r.events !== undefined && !isEventCounts(r.events)) delete record.events;
  return record;
}

const KNOWN_KINDS: ReadonlySet<string> = new Set(EVENT_KINDS);

function isEventCounts(value: unknown): value is EventCounts {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.entries(value).every(([kind, entry]) => {
    if (!KNOWN_KINDS.has(kind) || typeof entry !== 'object' || entry === null) return false;
    const { count, first, last } = entry as Record<string, unknown>;
    return Number.isSafeInteger(count) && (count as number) > 0 && typeof first === 'string' && typeof last === 'string' && !Number.isNaN(Date.parse(first)) && !Number.isNaN(Date.parse(last));
  });
}
