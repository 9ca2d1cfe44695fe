import type { ArchiveRecord } from '../records/record.js';
import { streamContent, type ContentDigest } from '../read/content.js';
import type { BucketStore } from '../store/store.js';

export type ObjectDigest = ContentDigest;

/**
 * Streams an object back through a SHA-256 and byte counters (gunzipping a gzip object first),
 * so memory does not grow with the object. Undefined when the object does not exist.
 * Store errors are thrown as they are (classified by the store); a gzip that does not inflate
 * is corrupt content, not an error.
 */
export function digestObject(store: BucketStore, key: string, compression: ArchiveRecord['compression'], signal?: AbortSignal): Promise<ObjectDigest | undefined> {
  return streamContent(store, key, compression, () => {}, signal);
}
