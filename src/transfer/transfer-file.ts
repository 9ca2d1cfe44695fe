import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { DcsApi } from '../dcs/types.js';
import { ArchiveError, describeFailure, failureKind } from '../errors.js';
import type { EventSink } from '../events.js';
import type { PlannedFile } from '../plan/planner.js';
import { withRetry, type RetryPolicy } from '../retry.js';
import type { ObjectStorage } from '../store/object-settings.js';
import type { BucketStore } from '../store/store.js';
import { openDownload, type DownloadOptions } from './download.js';
import { Meter } from './meter.js';

export interface TransferContext {
  instanceId: string;
  compression: 'none' | 'gzip';
}

/** What the transfer proved about a file: the source's bytes and SHA-256, and what the store accepted. */
export interface Transferred {
  bytes: number;
  storedBytes: number;
  sha256: string;
  /** The store's version token of the object, when its answer gave one. */
  version?: string;
  /** The object's storage class, encryption and lock, as written. */
  storage?: ObjectStorage;
}

export interface TransferDeps {
  dcs: DcsApi;
  store: BucketStore;
  download: DownloadOptions;
  retry: RetryPolicy;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  signal?: AbortSignal;
  onEvent: EventSink;
}

/**
 * One file: link → unsigned GET → count + SHA-256 (+ gzip) → upload. The store's success
 * answer is the proof of the write (no read-back); the byte count against Content-Length is the
 * proof of the download. A failed attempt leaves no upload behind (the store aborts it); the
 * next attempt starts over with a fresh link, so an expired link heals itself. `link` (from a
 * size probe) serves the first attempt, so a probed file costs one link call, not two.
 */
export async function transferFile(file: PlannedFile, ctx: TransferContext, deps: TransferDeps, link?: string): Promise<Transferred> {
  return withRetry(
    deps.retry,
    {
      sleep: deps.sleep,
      random: deps.random,
      signal: deps.signal,
      // DCS calls were already retried by the client; retrying them again here would multiply attempts.
      shouldRetry: (error) => failureKind(error) === 'retryable' && !(error instanceof ArchiveError && error.source === 'dcs'),
      onRetry: ({ attempt, delayMs, error }) =>
        deps.onEvent({ type: 'retry', scope: `${ctx.instanceId}/${file.log.fileName}`, attempt, delayMs, reason: describeFailure(error).reason }),
    },
    (attempt) => transferOnce(file, ctx, deps, attempt === 1 ? link : undefined),
  );
}

async function transferOnce(file: PlannedFile, ctx: TransferContext, deps: TransferDeps, link: string | undefined): Promise<Transferred> {
  const download = await openDownload(link ?? (await deps.dcs.getDownloadLink(ctx.instanceId, file.log.id, deps.signal)), deps.download);
  const meter = new Meter(download.contentLength, (bytes) =>
    deps.onEvent({ type: 'file-bytes', instanceId: ctx.instanceId, fileName: file.log.fileName, bytes }),
  );
  const body = chain(download.body, meter, ctx.compression);
  const written = await deps.store.upload(file.key, body, {
    contentType: ctx.compression === 'gzip' ? 'application/gzip' : 'text/plain; charset=utf-8',
    // So bucket lifecycle rules can select by instance or day (written only when tagging is configured).
    tags: { 'dcs-instance': ctx.instanceId, 'dcs-date': file.log.date },
    signal: deps.signal,
  });
  // The meter raises on a short body before the stream ends, so the upload is aborted; this
  // guards a store that would report success without having consumed everything.
  if (download.contentLength !== undefined && meter.bytes !== download.contentLength) {
    throw new ArchiveError('download', 'retryable', 'truncated', `read ${meter.bytes} of ${download.contentLength} bytes`);
  }
  return {
    bytes: meter.bytes,
    storedBytes: written.bytes,
    sha256: meter.sha256(),
    ...(written.version ? { version: written.version } : {}),
    ...(written.storage ? { storage: written.storage } : {}),
  };
}

/** source → meter (→ gzip) as one readable; an error anywhere destroys the tail with it. */
function chain(source: Readable, meter: Meter, compression: 'none' | 'gzip'): Readable {
  const tail = new PassThrough();
  const stages: NodeJS.ReadWriteStream[] = compression === 'gzip' ? [meter, createGzip()] : [meter];
  pipeline([source, ...stages, tail], () => {
    // Errors reach the upload through `tail`, which pipeline destroys with the error.
  });
  return tail;
}
