/**
 * An archived object read back as the source bytes: gunzipped when stored gzip, hashed and
 * counted as it streams, and judged against its record at the end. Every reader of the archive
 * (logs, search, events, verify --deep) goes through here, so "verified" means one thing.
 */
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { ArchiveRecord } from '../records/record.js';
import type { BucketStore } from '../store/store.js';

export interface ContentDigest {
  /** Hex SHA-256 of the source bytes (after decompression for gzip); '' when the gzip is corrupt. */
  sha256: string;
  /** Source bytes (after decompression) read. */
  bytes: number;
  /** Bytes read from the store. */
  storedBytes: number;
  /** Set when the stored bytes are not valid gzip: the content is corrupt. */
  corrupt?: string;
}

/** What reading an object against its record found. Store errors are thrown, not returned. */
export type ContentOutcome =
  | { kind: 'verified'; digest: ContentDigest }
  | { kind: 'missing'; key: string }
  | { kind: 'mismatch'; key: string; expected: { sha256: string; bytes: number }; digest: ContentDigest };

export type ObjectRef = Pick<ArchiveRecord, 'key' | 'compression' | 'sha256' | 'bytes'>;

/**
 * Streams the object's source bytes to `onChunk` (awaited before the next chunk, so a slow
 * consumer slows the read instead of filling memory), then compares the SHA-256 and byte count
 * with the record. The chunks of a mismatching object have already been handed on when the
 * mismatch is known: the caller says so.
 */
export async function readContent(
  store: BucketStore,
  object: ObjectRef,
  onChunk: (chunk: Buffer) => void | Promise<void>,
  signal?: AbortSignal,
): Promise<ContentOutcome> {
  const digest = await streamContent(store, object.key, object.compression, onChunk, signal);
  if (!digest) return { kind: 'missing', key: object.key };
  if (digest.corrupt !== undefined || digest.sha256 !== object.sha256 || digest.bytes !== object.bytes) {
    return { kind: 'mismatch', key: object.key, expected: { sha256: object.sha256, bytes: object.bytes }, digest };
  }
  return { kind: 'verified', digest };
}

/** The digest of an object's source bytes, or undefined when it does not exist. */
export async function streamContent(
  store: BucketStore,
  key: string,
  compression: ArchiveRecord['compression'],
  onChunk: (chunk: Buffer) => void | Promise<void>,
  signal?: AbortSignal,
): Promise<ContentDigest | undefined> {
  const source = await store.read(key, signal);
  if (!source) return undefined;
  const hash = createHash('sha256');
  let bytes = 0;
  let storedBytes = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      storedBytes += chunk.length;
      callback(null, chunk);
    },
  });
  const consume = async (chunks: AsyncIterable<Buffer>) => {
    for await (const chunk of chunks) {
      hash.update(chunk);
      bytes += chunk.length;
      await onChunk(chunk);
    }
  };
  const options = signal ? { signal } : {};
  try {
    if (compression === 'gzip') await pipeline(source, counted, createGunzip(), consume, options);
    // Stored as it came: the stored bytes are the source bytes, counted once.
    else await pipeline(source, consume, options);
  } catch (error) {
    if (!isZlibError(error)) throw error;
    return { sha256: '', bytes, storedBytes, corrupt: `not valid gzip (${(error as Error).message})` };
  }
  return { sha256: hash.digest('hex'), bytes, storedBytes: compression === 'gzip' ? storedBytes : bytes };
}

function isZlibError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}
