import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { TaskPool } from '../task-pool.js';
import type { PartReader } from './parts.js';
import { contentMd5, type Creation } from './s3-object-settings.js';

/**
 * One object from `reader`: a single PUT when it fits in one part, else a multipart upload with
 * at most `queueSize` parts in flight, whose part buffers (queueSize + 1 at most) are reused
 * from the first part to the last, so memory stays the same whatever the object's size. A part
 * that fails (after the SDK's own retries) goes to `onPartFailure` and ends the reading; the
 * parts in flight are always settled before this returns or throws, so none lands after an abort.
 */
export async function sendInParts(
  client: S3Client,
  sizes: { partSize: number; queueSize: number },
  reader: PartReader,
  target: { Bucket: string; Key: string },
  creation: Creation,
  partSignal: AbortSignal,
  onPartFailure: (error: unknown) => void,
  multipart: { uploadId: string | undefined },
): Promise<string | undefined> {
  const { partSize, queueSize } = sizes;
  const head = await reader.take(partSize);
  if (!(await reader.more())) {
    const whole = head.length === 1 ? head[0]! : Buffer.concat(head);
    const md5 = creation.md5 ? { ContentMD5: contentMd5(whole) } : {};
    const put = await client.send(new PutObjectCommand({ ...target, Body: whole, ContentLength: whole.length, ...creation.params, ...md5 }), { abortSignal: partSignal });
    return put.ETag;
  }
  // Not cancellable: a cancelled CreateMultipartUpload could create an upload whose id we never learn.
  const created = await client.send(new CreateMultipartUploadCommand({ ...target, ...creation.params }));
  if (created.UploadId === undefined) throw new Error('the store started a multipart upload without an UploadId');
  const uploadId = created.UploadId;
  multipart.uploadId = uploadId;

  const completed: CompletedPart[] = [];
  const free: Buffer[] = [];
  const parts = new TaskPool(queueSize, onPartFailure);
  const send = (partNumber: number, buffer: Buffer, length: number) =>
    parts.add(async () => {
      const body = buffer.subarray(0, length);
      const md5 = creation.md5 ? { ContentMD5: contentMd5(body) } : {};
      const part = new UploadPartCommand({ ...target, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: length, ...md5 });
      const answer = await client.send(part, { abortSignal: partSignal });
      completed.push({ PartNumber: partNumber, ETag: answer.ETag });
      free.push(buffer);
    });
  try {
    await send(1, Buffer.concat(head, partSize), partSize);
    for (let partNumber = 2; await reader.more(); partNumber++) {
      const buffer = free.pop() ?? Buffer.allocUnsafe(partSize);
      await send(partNumber, buffer, await reader.fill(buffer));
    }
  } finally {
    // Every part settled; a failed one has already gone to onPartFailure, which stopped the rest.
    await parts.drain().catch(() => undefined);
  }
  if (partSignal.aborted) throw new Error('upload stopped'); // the caller knows why, and says so
  completed.sort((a, b) => a.PartNumber! - b.PartNumber!);
  const done = await client.send(new CompleteMultipartUploadCommand({ ...target, UploadId: uploadId, MultipartUpload: { Parts: completed } }));
  return done.ETag;
}
