import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createS3Client } from './s3-client.js';
import { createObjectReader } from './s3-object-reader.js';
import { PartBudget } from './part-budget.js';
import { PartReader } from './parts.js';
import { sendInParts } from './s3-parts.js';
import { AbortedError, ArchiveError, errorMessage, failureKind, isArchiveError } from '../errors.js';
import { assertSafeKey, assertSafePrefix, normalizeBasePrefix } from './key-safety.js';
import { checkDeadlineMs, checkWithin, DEFAULT_STORE_TIMEOUTS, type StoreTimeouts } from './check-deadline.js';
import { classifyS3Error, isMissingObject, originOf, type S3ErrorContext } from './s3-errors.js';
import type { ObjectSettings } from './object-settings.js';
import { checkObjectSettings, logObjectCreation, smallObjectParams, storageOfHead } from './s3-object-settings.js';
import type { BucketStore, ByteSource, PendingUpload, StoredObject } from './store.js';

export { createS3Client } from './s3-client.js';

export interface S3StoreOptions {
  bucket: string;
  /** Destination prefix inside the bucket: '' or ending in '/' (one is added when missing). */
  prefix: string;
  /** S3-compatible endpoint (OBS, MinIO, Swift); omit for AWS. */
  endpoint?: string;
  region: string;
  forcePathStyle?: boolean;
  /** Omitted: the SDK's default chain (AWS_ACCESS_KEY_ID..., profiles, web identity). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /**
   * Bytes per multipart part (default 8 MiB), larger for a body whose known size would need more
   * than 10,000 parts of it (src/store/s3-parts.ts).
   */
  partSize?: number;
  /**
   * The memory budget of part buffers, shared by all uploads of this store (default 40 MiB): an
   * upload alone fills and sends as many parts at once as it allows; several share it
   * (src/store/part-budget.ts). At least one part, however small.
   */
  memoryBytes?: number;
  /** Connections to the store at once (the SDK's default when omitted). */
  maxSockets?: number;
  /** Connect and idle (per request) timeouts of the client the store builds; 10 s / 60 s by default. */
  timeouts?: StoreTimeouts;
  /** Storage class, encryption, tags and Object Lock of the objects written; none by default. */
  objects?: ObjectSettings;
  /** The clock retain-until dates are counted from. */
  now?: () => Date;
  /** Keys per listing request (default and S3's maximum: 1000); small values exercise paging in tests. */
  listPageSize?: number;
  /**
   * An S3Client to use instead of building one; the caller owns it (close() leaves it open) and must
   * create it with `requestChecksumCalculation` and `responseChecksumValidation` set to 'WHEN_REQUIRED'.
   */
  client?: S3Client;
}

const MiB = 1024 * 1024;
/** scripts/bench: fewer requests per byte than 5 MiB parts, so faster on a store bound by its CPU per request. */
export const DEFAULT_PART_SIZE = 8 * MiB;
/** Five parts of 8 MiB: four in flight and one filling for a file alone (scripts/bench: its peak RSS stays under 160 MiB). */
export const DEFAULT_MEMORY = 40 * MiB;

export function createS3Store(options: S3StoreOptions): BucketStore {
  const base = normalizeBasePrefix(options.prefix);
  const { bucket, region } = options;
  const partSize = options.partSize ?? DEFAULT_PART_SIZE;
  // One budget for every upload of this store: memory is bounded by it, not by the concurrency.
  const budget = new PartBudget(Math.max(options.memoryBytes ?? DEFAULT_MEMORY, partSize));
  const pageSize = options.listPageSize ?? 1000;
  const endpointOrigin = options.endpoint === undefined ? undefined : originOf(options.endpoint);
  const secrets = [options.credentials?.secretAccessKey, options.credentials?.sessionToken, options.credentials?.accessKeyId].filter(
    (value): value is string => Boolean(value),
  );
  const deadlineMs = checkDeadlineMs(options.timeouts ?? DEFAULT_STORE_TIMEOUTS);
  const objects = options.objects ?? {};
  const now = options.now ?? (() => new Date());
  const ownsClient = options.client === undefined;
  const client = options.client ?? createS3Client(options);

  const fail = (error: unknown, operation: string, key: string | undefined, signal?: AbortSignal) => {
    const context: S3ErrorContext = { operation, bucket, key, endpoint: endpointOrigin, region, secrets };
    return classifyS3Error(error, context, signal);
  };
  const readObject = createObjectReader({ client, bucket, timeouts: options.timeouts ?? DEFAULT_STORE_TIMEOUTS, fail });

  /** A helper for the many calls that differ only in command and description. */
  async function send<T>(operation: string, key: string | undefined, signal: AbortSignal | undefined, call: () => Promise<T>) {
    try {
      return await call();
    } catch (error) {
      throw fail(error, operation, key, signal);
    }
  }

  async function* pendingUploads(fullPrefix: string, signal?: AbortSignal) {
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page = await send('list pending uploads', fullPrefix, signal, () =>
        client.send(
          new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: fullPrefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
          { abortSignal: signal },
        ),
      );
      for (const upload of page.Uploads ?? []) {
        if (upload.Key !== undefined && upload.UploadId !== undefined) yield { ...upload, Key: upload.Key, UploadId: upload.UploadId };
      }
      if (!page.IsTruncated) return;
      // A store that says "truncated" without a marker would page forever.
      if (!page.NextKeyMarker || (page.NextKeyMarker === keyMarker && page.NextUploadIdMarker === uploadIdMarker)) return;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
  }

  async function abortUpload(fullKey: string, uploadId: string, signal?: AbortSignal) {
    try {
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: fullKey, UploadId: uploadId }), { abortSignal: signal });
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchUpload') return; // already gone: the state we want
      throw fail(error, 'abort upload', fullKey, signal);
    }
  }

  /**
   * Aborts a failed multipart upload. That request can fail too (after the SDK's retries), and a
   * leftover would be billed forever, so then look for it and abort it once more. Only our own
   * UploadId: another runner may be uploading the same key.
   */
  async function ensureAborted(fullKey: string, uploadId: string) {
    try {
      await abortUpload(fullKey, uploadId);
      return;
    } catch {
      // looked for below
    }
    for await (const upload of pendingUploads(fullKey)) {
      if (upload.Key === fullKey && upload.UploadId === uploadId) await abortUpload(fullKey, uploadId);
    }
  }

  // Everything an object is created with (storage class, encryption, tags, retention) comes from
  // s3-object-settings.ts: logObjectCreation for log objects, smallObjectParams for the rest.

  const location = `s3://${bucket}/${base}${endpointOrigin ? ` at ${endpointOrigin}` : ''}`;
  const store: BucketStore = {
    location,
    checkDeadlineMs: deadlineMs,

    async check(signal, checkOptions = {}) {
      // A one-key listing rather than HeadBucket: a HEAD answer has no body, so it cannot tell
      // a bad key id from a bad signature from a missing permission. Bounded as a whole: the
      // SDK's own attempts would each wait out the idle timeout.
      await checkWithin(
        location,
        deadlineMs,
        signal,
        async (bounded) => {
          await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: base, MaxKeys: 1 }), { abortSignal: bounded });
          const probeKey = checkOptions.probeKey === undefined ? undefined : base + checkOptions.probeKey;
          await checkObjectSettings({ client, bucket, location, settings: objects, signal: bounded, fail: (error, operation, key) => fail(error, operation, key, signal), ...(probeKey ? { probeKey } : {}) });
        },
        (error) => fail(error, 'check', base, signal),
      );
    },

    async upload(key, body, uploadOptions = {}) {
      const { signal, contentType, tags } = uploadOptions;
      try {
        assertSafeKey(key);
        if (signal?.aborted) throw new AbortedError('upload stopped before it began');
      } catch (error) {
        body.destroy();
        throw error;
      }
      const fullKey = base + key;

      let bytes = 0;
      let bodyError: unknown; // the source failed: its own error, classified where it was made
      let partError: unknown; // a part failed after the SDK's own retries
      let stopping = false;
      const source = body instanceof Readable ? new PartReader(body) : body;

      // Stopping destroys the body, which ends the reading below, and cancels the parts in flight;
      // the upload is then aborted here, awaited, so a process about to exit leaves nothing pending.
      const parts = new AbortController();
      const stop = (reason: Error) => {
        if (stopping) return;
        stopping = true;
        source.destroy(reason);
        parts.abort();
      };
      const onBodyError = (error: unknown) => {
        if (stopping) return;
        bodyError = error;
        stop(error as Error);
      };
      const read = async <T>(call: () => Promise<T>): Promise<T> => {
        try {
          return await call();
        } catch (error) {
          onBodyError(error);
          throw error;
        }
      };
      const counted: ByteSource = {
        size: source.size,
        fill: (target) => read(() => source.fill(target)).then((filled) => ((bytes += filled), filled)),
        more: () => read(() => source.more()),
        destroy: (error) => source.destroy(error),
      };
      // A stream can fail before its first read, when nothing listens to it yet.
      if (body instanceof Readable) body.on('error', onBodyError);
      const onAbort = () => stop(new AbortedError('upload stopped before completion'));
      signal?.addEventListener('abort', onAbort, { once: true });
      // Without this, the other parts would go on reading the rest of the body.
      const onPartFailure = (error: unknown) => {
        if (stopping) return;
        partError ??= error;
        stop(new Error('a part failed'));
      };

      const multipart = { uploadId: undefined as string | undefined };
      try {
        const creation = logObjectCreation(objects, contentType, tags, now());
        const etag = await sendInParts(client, budget, partSize, counted, { Bucket: bucket, Key: fullKey }, creation, parts.signal, onPartFailure, multipart);
        return { bytes, ...(etag ? { version: etag } : {}), storage: creation.storage };
      } catch (error) {
        stopping = true;
        source.destroy();
        const failure = signal?.aborted
          ? new AbortedError('upload stopped before completion')
          : (bodyError ?? fail(partError ?? error, 'upload', fullKey));
        if (multipart.uploadId !== undefined) {
          try {
            await ensureAborted(fullKey, multipart.uploadId);
          } catch (cleanupError) {
            throw withCleanupFailure(failure, cleanupError);
          }
        }
        throw failure;
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    },

    async put(key, body, putOptions = {}) {
      assertSafeKey(key);
      const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      const answer = await send('put', base + key, putOptions.signal, () =>
        client.send(
          new PutObjectCommand({ Bucket: bucket, Key: base + key, Body: bytes, ContentLength: bytes.length, ContentType: putOptions.contentType, ...smallObjectParams(objects) }),
          { abortSignal: putOptions.signal },
        ),
      );
      return { bytes: bytes.length, ...(answer.ETag ? { version: answer.ETag } : {}) };
    },

    async get(key, signal) {
      assertSafeKey(key);
      return send('get', base + key, signal, async () => {
        try {
          const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: base + key }), { abortSignal: signal });
          const bytes = (await response.Body?.transformToByteArray()) ?? new Uint8Array();
          return { body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), lastModified: response.LastModified ?? new Date(0) };
        } catch (error) {
          if (isMissingObject(error)) return undefined;
          throw error;
        }
      });
    },

    async read(key, signal) {
      assertSafeKey(key);
      return readObject(base + key, signal);
    },

    async head(key, signal) {
      assertSafeKey(key);
      return send('head', base + key, signal, async () => {
        try {
          const response = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: base + key }), { abortSignal: signal });
          const storage = storageOfHead(response);
          return { key, size: response.ContentLength ?? 0, lastModified: response.LastModified ?? new Date(0), ...(response.ETag ? { version: response.ETag } : {}), ...(storage ? { storage } : {}) };
        } catch (error) {
          if (isMissingObject(error)) return undefined;
          throw error;
        }
      });
    },

    async *list(prefix, listOptions = {}) {
      assertSafePrefix(prefix);
      const { signal, startAfter } = listOptions;
      let token: string | undefined;
      for (;;) {
        const page = await send('list', base + prefix, signal, () =>
          client.send(
            new ListObjectsV2Command({
              Bucket: bucket,
              Prefix: base + prefix,
              MaxKeys: pageSize,
              // The continuation token already carries the position; some stores reject both.
              ...(token === undefined ? { StartAfter: startAfter === undefined ? undefined : base + startAfter } : { ContinuationToken: token }),
            }),
            { abortSignal: signal },
          ),
        );
        for (const object of page.Contents ?? []) {
          if (object.Key === undefined || !object.Key.startsWith(base)) continue;
          const stored: StoredObject = {
            key: object.Key.slice(base.length),
            size: object.Size ?? 0,
            lastModified: object.LastModified ?? new Date(0),
            ...(object.ETag ? { version: object.ETag } : {}),
          };
          yield stored;
        }
        if (!page.IsTruncated || !page.NextContinuationToken || page.NextContinuationToken === token) return;
        token = page.NextContinuationToken;
      }
    },

    async delete(key, signal) {
      assertSafeKey(key);
      // One request per key: DeleteObjects needs Content-MD5 on Swift, and deletes are rare here.
      await send('delete', base + key, signal, () =>
        client.send(new DeleteObjectCommand({ Bucket: bucket, Key: base + key }), { abortSignal: signal }),
      );
    },

    async listPendingUploads(prefix, signal) {
      assertSafePrefix(prefix);
      const found: PendingUpload[] = [];
      for await (const upload of pendingUploads(base + prefix, signal)) {
        if (!upload.Key.startsWith(base)) continue;
        found.push({ key: upload.Key.slice(base.length), id: upload.UploadId, initiated: upload.Initiated ?? new Date(0) });
      }
      return found;
    },

    async abortPendingUpload(upload, signal) {
      assertSafeKey(upload.key);
      await abortUpload(base + upload.key, upload.id, signal);
    },

    async close() {
      if (ownsClient) client.destroy();
    },
  };
  return store;
}

function withCleanupFailure(failure: unknown, cleanupError: unknown): Error {
  const note = `; its multipart upload could not be aborted and stays pending until cleaned up (${errorMessage(cleanupError)})`;
  if (failure instanceof AbortedError) return new AbortedError(failure.message + note);
  if (isArchiveError(failure)) return new ArchiveError(failure.source, failure.kind, failure.code, failure.message + note, { retryAfterMs: failure.retryAfterMs, throttled: failure.throttled });
  return new ArchiveError('store', failureKind(failure), 'abort-failed', errorMessage(failure) + note);
}
