import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { DcsApi } from '../dcs/types.js';
import { ArchiveError, failureKind } from '../errors.js';
import type { EventSink } from '../events.js';
import type { PlannedFile } from '../plan/planner.js';
import { recordText, SCHEMA_VERSION, type ArchiveRecord } from '../records/record.js';
import { withRetry, type RetryPolicy } from '../retry.js';
import type { BucketStore } from '../store/store.js';
import { openDownload, type DownloadOptions } from './download.js';
import { Meter } from './meter.js';

export interface TransferContext {
  projectId: string;
  instanceId: string;
  runId: string;
  compression: 'none' | 'gzip';
}

export interface TransferDeps {
  dcs: DcsApi;
  store: BucketStore;
  download: DownloadOptions;
  retry: RetryPolicy;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  now: () => Date;
  signal?: AbortSignal;
  onEvent: EventSink;
}

/**
 * One file: fresh link → unsigned GET → count + SHA-256 (+ gzip) → multipart upload →
 * verify the stored size → record. A failed attempt leaves no upload behind (the store aborts
 * it); the next attempt starts over with a fresh link, so an expired link heals itself.
 */
export async function archiveFile(file: PlannedFile, ctx: TransferContext, deps: TransferDeps): Promise<ArchiveRecord> {
  const started = Date.now();
  const record = await withRetry(
    deps.retry,
    {
      sleep: deps.sleep,
      random: deps.random,
      signal: deps.signal,
      // DCS calls were already retried by the client; retrying them again here would multiply attempts.
      shouldRetry: (error) => failureKind(error) === 'retryable' && !(error instanceof ArchiveError && error.reason.startsWith('dcs.')),
      onRetry: ({ attempt, delayMs, error }) =>
        deps.onEvent({ type: 'retry', scope: `${ctx.instanceId}/${file.log.fileName}`, attempt, delayMs, reason: error instanceof ArchiveError ? error.reason : 'error' }),
    },
    () => transferOnce(file, ctx, deps),
  );
  // The object is verified: its record is written even if a stop was asked for meanwhile.
  await deps.store.put(file.recordKey, recordText(record), { contentType: 'application/json' });
  deps.onEvent({
    type: 'file-archived',
    instanceId: ctx.instanceId,
    fileName: file.log.fileName,
    logId: file.log.id,
    key: file.key,
    bytes: record.bytes,
    storedBytes: record.storedBytes,
    sha256: record.sha256,
    ms: Date.now() - started,
    partial: record.partial,
    replaced: file.replaces !== undefined,
  });
  return record;
}

async function transferOnce(file: PlannedFile, ctx: TransferContext, deps: TransferDeps): Promise<ArchiveRecord> {
  const link = await deps.dcs.getDownloadLink(ctx.instanceId, file.log.id, deps.signal);
  const download = await openDownload(link, deps.download);
  const meter = new Meter(download.contentLength, (bytes) =>
    deps.onEvent({ type: 'file-bytes', instanceId: ctx.instanceId, fileName: file.log.fileName, bytes }),
  );
  const body = chain(download.body, meter, ctx.compression);
  const { bytes: storedBytes } = await deps.store.upload(file.key, body, {
    contentType: ctx.compression === 'gzip' ? 'application/gzip' : 'text/plain; charset=utf-8',
    signal: deps.signal,
  });
  // The meter raises on a short body before the stream ends; this guards a store that would
  // report success without having consumed everything.
  const sha256 = meter.sha256();
  if (download.contentLength !== undefined && meter.bytes !== download.contentLength) {
    throw new ArchiveError('retryable', 'download.truncated', `read ${meter.bytes} of ${download.contentLength} bytes`);
  }
  const stored = await deps.store.head(file.key, deps.signal);
  if (!stored || stored.size !== storedBytes) {
    throw new ArchiveError('retryable', 'store.verify-mismatch', `stored object ${file.key} has ${stored?.size ?? 'no'} bytes, expected ${storedBytes}`);
  }
  return {
    schemaVersion: SCHEMA_VERSION,
    projectId: ctx.projectId,
    instanceId: ctx.instanceId,
    logId: file.log.id,
    fileName: file.log.fileName,
    groupName: file.log.groupName,
    replicationIp: file.log.replicationIp,
    date: file.log.date,
    key: file.key,
    bytes: meter.bytes,
    storedBytes,
    sha256,
    compression: ctx.compression,
    partial: file.partial,
    complete: file.complete,
    archivedAt: deps.now().toISOString(),
    runId: ctx.runId,
    knownLogIds: file.knownLogIds,
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
