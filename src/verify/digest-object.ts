import { createHash } from 'node:crypto';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { ArchiveRecord } from '../records/record.js';
import type { BucketStore } from '../store/store.js';

export interface ObjectDigest {
  /** Hex SHA-256 of the source bytes (after decompression for gzip). */
  sha256: string;
  /** Source bytes (after decompression). */
  bytes: number;
  /** Bytes read from the store. */
  storedBytes: number;
  /** Set when the stored bytes are not valid gzip: the content is corrupt. */
  corrupt?: string;
}

/**
 * Streams an object back through a SHA-256 and byte counters (gunzipping a gzip object first),
 * so memory does not grow with the object. Undefined when the object does not exist.
 * Store errors are thrown as they are (classified by the store); a gzip that does not inflate
 * is corrupt content, not an error.
 */
export async function digestObject(
  store: BucketStore,
  key: string,
  compression: ArchiveRecord['compression'],
  signal?: AbortSignal,
): Promise<ObjectDigest | undefined> {
  const source = await store.read(key, signal);
  if (!source) return undefined;
  const hash = createHash('sha256');
  let bytes = 0;
  let storedBytes = 0;
  const stored = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      storedBytes += chunk.length;
      callback(null, chunk);
    },
  });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback();
    },
  });
  try {
    if (compression === 'gzip') await pipeline(source, stored, createGunzip(), sink, signal ? { signal } : {});
    else await pipeline(source, stored, sink, signal ? { signal } : {});
  } catch (error) {
    if (!isZlibError(error)) throw error;
    return { sha256: '', bytes, storedBytes, corrupt: `not valid gzip (${(error as Error).message})` };
  }
  return { sha256: hash.digest('hex'), bytes, storedBytes };
}

function isZlibError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}
