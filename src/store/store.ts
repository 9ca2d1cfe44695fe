import type { Readable } from 'node:stream';
import type { ObjectStorage } from './object-settings.js';

/** One object in the bucket, keys relative to the destination prefix. */
export interface StoredObject {
  key: string;
  size: number;
  /** The store's own clock: compare only with other times from the same store. */
  lastModified: Date;
  /**
   * An opaque token that changes whenever the object is written (an S3 ETag), when the store
   * has one. Compared for equality only: its format differs between stores.
   */
  version?: string;
  /** From a HEAD (never a listing): the storage class, encryption and lock it shows, if any. */
  storage?: ObjectStorage;
}

/**
 * What the store says of an object it has just written: the bytes it accepted and, where it
 * has one, the same version token a listing shows for the object (so a writer can recognise
 * its own write later without reading it back).
 */
export interface Written {
  bytes: number;
  version?: string;
  /** A log object's storage class, encryption and lock, as written (destination settings). */
  storage?: ObjectStorage;
}

/**
 * A body the store pulls by having it copy bytes into buffers the store owns (its part buffers),
 * so a transfer needs no buffer per read. A Readable is read through the same interface
 * (`readableSource` in parts.ts).
 */
export interface ByteSource {
  /** The body's length when known before reading (a Content-Length): it chooses the part size. */
  readonly size: number | undefined;
  /**
   * Copies the next bytes into `target`; resolves with how many, fewer than `target.length` only
   * at the end (0 once ended). Rejects with the source's own error, already classified.
   */
  fill(target: Buffer): Promise<number>;
  /** Whether a byte is left (waits for the source when it has none at hand). */
  more(): Promise<boolean>;
  /** The upload failed or was stopped: stop reading; later fills reject. */
  destroy(error?: Error): void;
}

/** An upload that was started and never completed or aborted (a multipart upload, a temp file). */
export interface PendingUpload {
  key: string;
  /** Store-specific handle (an S3 UploadId, a temp file name). */
  id: string;
  initiated: Date;
}

/**
 * The destination, in our words. Nothing outside src/store imports `@aws-sdk/*`.
 * Keys are relative to the destination prefix and already sanitised by the caller;
 * an implementation still refuses a key that would leave the prefix.
 *
 * Errors are ArchiveErrors classified once here: access denied / missing bucket are `fatal`,
 * throttling, 5xx and network errors are `retryable`, anything else is `file`.
 */
export interface BucketStore {
  /** Where the objects go, without credentials, e.g. `s3://team-logs/dcs-runlogs/`. */
  readonly location: string;
  /**
   * Confirms the destination exists and is reachable (fatal error otherwise), and that it honours
   * the configured object settings (a fatal `unsupported-setting` naming the one it does not). No
   * writes, except tiny probe objects at `probeKey` (removed at once) when settings need proving
   * and the caller gives one. Gives up after `checkDeadlineMs` (a fatal `timeout`), so a store
   * that never answers cannot hang a pass.
   */
  check(signal?: AbortSignal, options?: { probeKey?: string }): Promise<void>;
  /** The bound on `check`, when the store has one. */
  readonly checkDeadlineMs?: number;
  /**
   * Streams `body` to `key` (multipart above one part). On any failure, or when `signal` aborts,
   * the partial upload is aborted, nothing is left at `key` by this call, and the error is thrown.
   * A success means the store holds exactly the accepted bytes at `key` (its 200 to the last
   * request says so): no read-back is needed. `tags` are the object's own, added to the
   * configured ones; a store configured without tags writes none.
   */
  upload(key: string, body: Readable | ByteSource, options?: { contentType?: string; tags?: Readonly<Record<string, string>>; signal?: AbortSignal }): Promise<Written>;
  /** Writes a small object whole (records, manifests, reports). */
  put(key: string, body: string | Uint8Array, options?: { contentType?: string; signal?: AbortSignal }): Promise<Written>;
  /** Reads a small object whole; undefined when it does not exist. */
  get(key: string, signal?: AbortSignal): Promise<{ body: Buffer; lastModified: Date } | undefined>;
  /**
   * Opens an object for streaming reads (the readers, deep verification); undefined when it does
   * not exist. The reader fills buffers of its own, so a read makes no buffer per chunk; it
   * destroys the source when it stops before the end.
   */
  read(key: string, signal?: AbortSignal): Promise<ByteSource | undefined>;
  head(key: string, signal?: AbortSignal): Promise<StoredObject | undefined>;
  /** Every object whose key starts with `prefix`, in key order; `startAfter` skips keys ≤ it. */
  list(prefix: string, options?: { startAfter?: string; signal?: AbortSignal }): AsyncIterable<StoredObject>;
  delete(key: string, signal?: AbortSignal): Promise<void>;
  /** Uploads under `prefix` that were started and never finished. */
  listPendingUploads(prefix: string, signal?: AbortSignal): Promise<PendingUpload[]>;
  abortPendingUpload(upload: PendingUpload, signal?: AbortSignal): Promise<void>;
  /** Releases connections. */
  close(): Promise<void>;
}
