import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ArchiveError } from '../errors.js';
import { TaskPool } from '../task-pool.js';
import type { PartBudget } from './part-budget.js';
import { applyToCompleted } from './s3-completed-settings.js';
import { contentMd5, type Creation } from './s3-object-settings.js';
import type { ByteSource } from './store.js';

const MiB = 1024 * 1024;
/** S3's most parts per upload. */
export const MAX_PARTS = 10_000;

/**
 * The part size for a body: `partSize`, or larger when a known size would need more than
 * 10,000 parts of it (whole MiB).
 */
export function partSizeFor(size: number | undefined, partSize: number): number {
  if (size === undefined) return partSize;
  return Math.max(partSize, Math.ceil(size / MAX_PARTS / MiB) * MiB);
}

/**
 * One object from `source`: a single PUT when it fits in one part, else a multipart upload. Part
 * buffers come from the store's one budget, are reused from part to part and bound how many parts
 * are in flight (all of the budget when this upload is alone), so memory stays the same whatever
 * the object's size and however many uploads run. A body known to fit one part gets a buffer of
 * its own size. A part that fails (after the SDK's own retries) goes to `onPartFailure` and ends
 * the reading; the parts in flight are always settled before this returns or throws, so none
 * lands after an abort. A completed multipart object is then given its tags and retention again
 * (s3-completed-settings.ts): some stores drop them from CreateMultipartUpload.
 */
export async function sendInParts(
  client: S3Client,
  budget: PartBudget,
  basePartSize: number,
  source: ByteSource,
  object: { Bucket: string; Key: string },
  creation: Creation,
  partSignal: AbortSignal,
  onPartFailure: (error: unknown) => void,
  multipart: { uploadId: string | undefined },
): Promise<string | undefined> {
  const partSize = partSizeFor(source.size, basePartSize);
  const lease = budget.open(partSize);
  try {
    const first = await lease.take(source.size !== undefined && source.size < partSize ? source.size : partSize, partSignal);
    const length = await source.fill(first);
    if (length < first.length || !(await source.more())) {
      const body = first.subarray(0, length);
      const put = await client.send(new PutObjectCommand({ ...object, Body: body, ContentLength: length, ...creation.params, ...md5Of(creation, body) }), { abortSignal: partSignal });
      return put.ETag;
    }
    // Not cancellable: a cancelled CreateMultipartUpload could create an upload whose id we never learn.
    const created = await client.send(new CreateMultipartUploadCommand({ ...object, ...creation.params }));
    if (created.UploadId === undefined) throw new Error('the store started a multipart upload without an UploadId');
    const uploadId = created.UploadId;
    multipart.uploadId = uploadId;
    const target = { ...object, UploadId: uploadId };

    const completed: CompletedPart[] = [];
    // The budget bounds the parts in flight: a part starts once its buffer is granted and filled.
    const parts = new TaskPool(Number.POSITIVE_INFINITY, onPartFailure);
    const send = (partNumber: number, buffer: Buffer, bytes: number) =>
      parts.add(async () => {
        try {
          const body = buffer.subarray(0, bytes);
          const part = new UploadPartCommand({ ...target, PartNumber: partNumber, Body: body, ContentLength: bytes, ...md5Of(creation, body) });
          const answer = await client.send(part, { abortSignal: partSignal });
          completed.push({ PartNumber: partNumber, ETag: answer.ETag });
        } finally {
          lease.give(buffer);
        }
      });
    try {
      await send(1, first, length);
      for (let partNumber = 2; await source.more(); partNumber++) {
        if (partNumber > MAX_PARTS) {
          throw new ArchiveError('store', 'file', 'too-many-parts', `the object needs more than ${MAX_PARTS} parts of ${partSize / MiB} MiB; set archive.partSizeMiB larger`);
        }
        const buffer = await lease.take(partSize, partSignal);
        await send(partNumber, buffer, await source.fill(buffer));
      }
    } finally {
      // Every part settled; a failed one has already gone to onPartFailure, which stopped the rest.
      await parts.drain().catch(() => undefined);
    }
    if (partSignal.aborted) throw new Error('upload stopped'); // the caller knows why, and says so
    completed.sort((a, b) => a.PartNumber! - b.PartNumber!);
    const done = await client.send(new CompleteMultipartUploadCommand({ ...target, MultipartUpload: { Parts: completed } }));
    multipart.uploadId = undefined; // completed: nothing left to abort
    if (creation.completed) await applyToCompleted(client, object, done.VersionId, creation.completed);
    return done.ETag;
  } finally {
    lease.close();
  }
}

function md5Of(creation: Creation, body: Uint8Array): { ContentMD5?: string } {
  return creation.md5 ? { ContentMD5: contentMd5(body) } : {};
}
