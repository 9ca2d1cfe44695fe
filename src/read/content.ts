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
import { AbortedError } from '../errors.js';
import { byteSourceStream } from '../store/parts.js';
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
 * mismatch is known: the caller says so. A chunk is lent: its bytes are the reader's only until
 * the promise `onChunk` returns settles, so what must outlive that is copied by the caller.
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

/** Bytes per read of a stored-as-it-came object: one buffer per object read, reused to its end. */
const READ_BYTES = 256 * 1024;
/** Bytes per read of a gzip object: zlib works on its input later, so each read is a buffer of its own. */
const GZIP_READ_BYTES = 64 * 1024;

/** The digest of an object's source bytes, or undefined when it does not exist. `onChunk`'s chunks are lent (readContent). */
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
  const take = async (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
    await onChunk(chunk);
  };
  const stop = () => source.destroy(new AbortedError('the read was stopped'));
  if (signal?.aborted) stop();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    if (compression === 'gzip') {
      const counted = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          storedBytes += chunk.length;
          callback(null, chunk);
        },
      });
      await pipeline(byteSourceStream(source, GZIP_READ_BYTES), counted, createGunzip(), async (chunks: AsyncIterable<Buffer>) => {
        for await (const chunk of chunks) await take(chunk);
      });
    } else {
      // Stored as it came: the stored bytes are the source bytes, read into one buffer, lent out.
      const buffer = Buffer.allocUnsafe(READ_BYTES);
      for (;;) {
        const filled = await source.fill(buffer);
        if (filled > 0) await take(buffer.subarray(0, filled));
        if (filled < buffer.length) break;
      }
    }
  } catch (error) {
    source.destroy();
    if (!isZlibError(error)) throw error;
    return { sha256: '', bytes, storedBytes, corrupt: `not valid gzip (${(error as Error).message})` };
  } finally {
    signal?.removeEventListener('abort', stop);
  }
  return { sha256: hash.digest('hex'), bytes, storedBytes: compression === 'gzip' ? storedBytes : bytes };
}

function isZlibError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}
