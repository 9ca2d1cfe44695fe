import { pipeline, type Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { DcsApi } from '../dcs/types.js';
import { ArchiveError, describeFailure, failureKind } from '../errors.js';
import type { EventSink } from '../events.js';
import type { PlannedFile } from '../plan/planner.js';
import { EventTally, type EventCounts } from '../redis-log/tally.js';
import { withRetry, type RetryPolicy } from '../retry.js';
import type { ObjectStorage } from '../store/object-settings.js';
import { byteSourceStream } from '../store/parts.js';
import type { BucketStore, ByteSource } from '../store/store.js';
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
  /** The Redis events in the source bytes. */
  events: EventCounts;
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
        deps.onEvent({ type: 'retry', scope: `${ctx.instanceId}/${file.log.fileName}`, instanceId: ctx.instanceId, attempt, delayMs, reason: describeFailure(error).reason }),
    },
    (attempt) => transferOnce(file, ctx, deps, attempt === 1 ? link : undefined),
  );
}

async function transferOnce(file: PlannedFile, ctx: TransferContext, deps: TransferDeps, link: string | undefined): Promise<Transferred> {
  const download = await openDownload(link ?? (await deps.dcs.getDownloadLink(ctx.instanceId, file.log.id, deps.signal)), deps.download);
  // Lines without a year (Redis 2.x, 3.x) take the year of the day the file covers.
  const tally = new EventTally(Number(file.log.date.slice(0, 4)));
  const meter = new Meter(
    download.contentLength,
    (bytes) => deps.onEvent({ type: 'file-bytes', instanceId: ctx.instanceId, fileName: file.log.fileName, bytes }),
    tally,
  );
  const source = meter.measure(download.body);
  const written = await deps.store.upload(file.key, ctx.compression === 'gzip' ? gzipped(source) : source, {
    contentType: ctx.compression === 'gzip' ? 'application/gzip' : 'text/plain; charset=utf-8',
    // So bucket lifecycle rules can select by instance or day (written only when tagging is configured).
    tags: { 'dcs-instance': ctx.instanceId, 'dcs-date': file.log.date },
    signal: deps.signal,
  });
  // The meter raises on a short body before the end is reported, so the upload is aborted; this
  // guards a store that would report success without having consumed everything.
  if (download.contentLength !== undefined && meter.bytes !== download.contentLength) {
    throw new ArchiveError('download', 'retryable', 'truncated', `read ${meter.bytes} of ${download.contentLength} bytes`);
  }
  return {
    bytes: meter.bytes,
    storedBytes: written.bytes,
    sha256: meter.sha256(),
    events: tally.counts(),
    ...(written.version ? { version: written.version } : {}),
    ...(written.storage ? { storage: written.storage } : {}),
  };
}

const GZIP_READ_BYTES = 64 * 1024;

/**
 * The source through gzip, as a stream. zlib works on its input later, so each read gets a buffer
 * of its own (compression is the one path that makes garbage per read; its output is much smaller).
 */
function gzipped(source: ByteSource): Readable {
  const raw = byteSourceStream(source, GZIP_READ_BYTES);
  const gzip = createGzip();
  pipeline(raw, gzip, () => {
    // Errors reach the upload through `gzip`, which pipeline destroys with the error.
  });
  return gzip;
}
