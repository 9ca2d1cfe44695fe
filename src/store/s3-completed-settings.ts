import { DeleteObjectCommand, PutObjectRetentionCommand, PutObjectTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import type { LockMode } from './object-settings.js';

/**
 * Tags and retention set again on a completed multipart object. Some stores take them on
 * CreateMultipartUpload and drop them: Ceph 16's RGW completes the object with no tags and no
 * lock while it keeps the storage class and SSE-KMS of the same request (measured). So after
 * every CompleteMultipartUpload that should carry them, they are applied to the completed
 * version explicitly: one PutObjectTagging and/or one PutObjectRetention per multipart object,
 * the same tags and the same mode and retain-until date, which a store that honoured the headers
 * accepts as a no-op. Single PUTs never need this (every store we know keeps their headers, and
 * the start check proves it).
 */
export interface CompletedSettings {
  tags?: Readonly<Record<string, string>>;
  lock?: { mode: LockMode; retainUntil: Date };
}

/**
 * Applies `settings` to the completed `versionId` of `object` (the current object where the bucket
 * keeps no versions). The SDK's own retries apply; the error it ends with is thrown for the store
 * to classify, and the file is then not recorded as archived.
 *
 * On failure the completed version is removed, by its version id, so nothing stays behind
 * half-configured: on a versioned bucket (every bucket with Object Lock) the next pass's upload
 * would make a new version and leave this one, without its tags or lock, for ever. Tags go first
 * and the retention last, so a failure leaves a version that is not yet locked and can be removed
 * (unless the bucket's default retention locked it on creation; then it stays, unrecorded, as it
 * must). Without a version id the bucket keeps no versions: the next pass overwrites the object in
 * place, so it is left to that (removing it could race another runner's upload of the same key).
 */
export async function applyToCompleted(client: S3Client, object: { Bucket: string; Key: string }, versionId: string | undefined, settings: CompletedSettings): Promise<void> {
  const target = { ...object, ...(versionId ? { VersionId: versionId } : {}) };
  try {
    if (settings.tags !== undefined) {
      const TagSet = Object.entries(settings.tags).map(([Key, Value]) => ({ Key, Value }));
      await client.send(new PutObjectTaggingCommand({ ...target, Tagging: { TagSet } }));
    }
    // Both operations require a checksum, so even under requestChecksumCalculation WHEN_REQUIRED
    // the SDK sends x-amz-checksum-crc32, which S3 takes in place of Content-MD5 (Ceph 16 too).
    if (settings.lock !== undefined) {
      await client.send(new PutObjectRetentionCommand({ ...target, Retention: { Mode: settings.lock.mode, RetainUntilDate: settings.lock.retainUntil } }));
    }
  } catch (error) {
    if (versionId) await client.send(new DeleteObjectCommand(target)).catch(() => undefined); // best effort: the failure above is what the caller needs
    throw error;
  }
}
