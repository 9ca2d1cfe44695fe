import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectLockConfigurationCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompleteMultipartUploadCommandOutput,
  type CreateMultipartUploadCommandInput,
  type HeadObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ArchiveError, errorMessage, failureKind } from '../errors.js';
import { applyToCompleted, type CompletedSettings } from './s3-completed-settings.js';
import { objectTags, retainUntil, taggingHeader, type ObjectSettings, type ObjectStorage } from './object-settings.js';

/**
 * The S3 side of ObjectSettings: the parameters every object is created with (the one place the
 * store takes them from), the start check that proves the bucket honours them, and what a HEAD
 * shows of them.
 */

/** Parameters shared by PutObject and CreateMultipartUpload. */
export type CreationParams = Pick<
  CreateMultipartUploadCommandInput,
  'ContentType' | 'StorageClass' | 'ServerSideEncryption' | 'SSEKMSKeyId' | 'Tagging' | 'ObjectLockMode' | 'ObjectLockRetainUntilDate'
>;

export interface Creation {
  params: CreationParams;
  /**
   * S3 asks for Content-MD5 on every PUT and part of an object with a retention date (and an
   * x-amz-checksum-* header would do instead, which Swift and OBS lack).
   */
  md5: boolean;
  /** What the object will carry, for its record. */
  storage: ObjectStorage;
  /** Tags and retention to apply again once a multipart upload completes; absent without either. */
  completed?: CompletedSettings;
}

/** A log object: every setting applies. */
export function logObjectCreation(settings: ObjectSettings, contentType: string | undefined, ownTags: Readonly<Record<string, string>> | undefined, now: Date): Creation {
  const tags = objectTags(settings, ownTags);
  const until = settings.objectLock && retainUntil(settings.objectLock, now);
  const params: CreationParams = {
    ContentType: contentType,
    ...encryptionParams(settings),
    ...(settings.storageClass === undefined ? {} : { StorageClass: settings.storageClass as CreationParams['StorageClass'] }),
    ...(tags === undefined ? {} : { Tagging: taggingHeader(tags) }),
    ...(settings.objectLock && until ? { ObjectLockMode: settings.objectLock.mode, ObjectLockRetainUntilDate: until } : {}),
  };
  const storage: ObjectStorage = {
    ...(settings.storageClass === undefined ? {} : { storageClass: settings.storageClass }),
    ...(settings.encryption === undefined ? {} : { serverSideEncryption: settings.encryption.algorithm }),
    ...(settings.encryption?.algorithm === 'aws:kms' && settings.encryption.kmsKeyId ? { kmsKeyId: settings.encryption.kmsKeyId } : {}),
    ...(settings.objectLock && until ? { objectLock: { mode: settings.objectLock.mode, retainUntil: until.toISOString() } } : {}),
  };
  const completed: CompletedSettings = {
    ...(tags === undefined ? {} : { tags }),
    ...(settings.objectLock && until ? { lock: { mode: settings.objectLock.mode, retainUntil: until } } : {}),
  };
  return { params, md5: settings.objectLock !== undefined, storage, ...(Object.keys(completed).length > 0 ? { completed } : {}) };
}

/** Records, manifests and run reports: encrypted like the logs, standard class, no tags, no lock. */
export function smallObjectParams(settings: ObjectSettings): Pick<CreationParams, 'ServerSideEncryption' | 'SSEKMSKeyId'> {
  return encryptionParams(settings);
}

function encryptionParams(settings: ObjectSettings): Pick<CreationParams, 'ServerSideEncryption' | 'SSEKMSKeyId'> {
  const encryption = settings.encryption;
  if (encryption === undefined) return {};
  if (encryption.algorithm === 'AES256') return { ServerSideEncryption: 'AES256' };
  return { ServerSideEncryption: 'aws:kms', ...(encryption.kmsKeyId ? { SSEKMSKeyId: encryption.kmsKeyId } : {}) };
}

export function contentMd5(body: Uint8Array): string {
  return createHash('md5').update(body).digest('base64');
}

/** What a HEAD answer shows of the settings; undefined when it shows none. */
export function storageOfHead(head: HeadObjectCommandOutput): ObjectStorage | undefined {
  const storage: ObjectStorage = {
    ...(head.StorageClass ? { storageClass: head.StorageClass } : {}),
    ...(head.ServerSideEncryption === 'AES256' || head.ServerSideEncryption === 'aws:kms' ? { serverSideEncryption: head.ServerSideEncryption } : {}),
    ...(head.SSEKMSKeyId ? { kmsKeyId: head.SSEKMSKeyId } : {}),
    ...((head.ObjectLockMode === 'GOVERNANCE' || head.ObjectLockMode === 'COMPLIANCE') && head.ObjectLockRetainUntilDate
      ? { objectLock: { mode: head.ObjectLockMode, retainUntil: new Date(head.ObjectLockRetainUntilDate).toISOString() } }
      : {}),
  };
  return Object.keys(storage).length > 0 ? storage : undefined;
}

export interface SettingsCheck {
  client: S3Client;
  bucket: string;
  location: string;
  settings: ObjectSettings;
  /** Where the probe objects go (full key); none are written without it (a dry run, verify). */
  probeKey?: string;
  signal: AbortSignal;
  /** The store's classifier of SDK errors. */
  fail: (error: unknown, operation: string, key?: string) => Error;
}

/**
 * Proves, before anything is archived, that the bucket honours every configured setting, and
 * fails naming the one it does not. Object Lock: the bucket's lock configuration (a read). The
 * others: tiny probe objects per setting, written with it alone, looked at, and removed: one by a
 * single PUT, one by a one-part multipart upload given what a log object's is after completion
 * (the tags again: s3-completed-settings.ts), as logs larger than one part are written. A HEAD is
 * needed besides the PUT's answer: Ceph 16 accepts `AES256` and stores the object unencrypted.
 * Retryable failures stay retryable; anything else is fatal for the pass.
 *
 * The retention a multipart log object is given after completion is not probed: a probe object
 * would stay locked for a day at least (for good in COMPLIANCE mode, and removing a GOVERNANCE
 * lock needs a permission the archiver does not ask for). A bucket with Object Lock enabled takes
 * PutObjectRetention on its objects; where it does not, that file fails and is not recorded.
 */
export async function checkObjectSettings(check: SettingsCheck): Promise<void> {
  const { client, bucket, settings, signal } = check;
  if (settings.objectLock) await checkObjectLock(check);
  if (check.probeKey === undefined) return;
  const key = check.probeKey;
  const probe = async (setting: string, value: string, params: CreationParams, proven: (head: HeadObjectCommandOutput) => Promise<string | undefined>, completed?: CompletedSettings) => {
    for (const write of [putProbe, multipartProbe]) {
      const how = write === putProbe ? 'a probe object written with it' : 'a probe object written with it by a multipart upload';
      const written: { versionId?: string; at?: true | undefined } = {};
      try {
        await write(check, key, params, completed, written);
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
        const wrong = await proven(head);
        if (wrong !== undefined) throw unsupported(check, setting, value, `it accepted ${how}, but ${wrong}`);
      } catch (error) {
        throw refused(check, setting, value, error, key, how);
      } finally {
        if (written.at) await removeProbe(check, key, written.versionId);
      }
    }
  };
  if (settings.storageClass !== undefined) {
    const wanted = settings.storageClass;
    await probe('destination.storageClass', wanted, { StorageClass: wanted as CreationParams['StorageClass'] }, async (head) => {
      // HEAD leaves out the class of a standard object.
      const stored = head.StorageClass ?? 'STANDARD';
      return stored === wanted ? undefined : `stored it in the class ${stored}`;
    });
  }
  if (settings.encryption !== undefined) {
    const wanted = settings.encryption.algorithm;
    await probe('destination.serverSideEncryption', wanted, encryptionParams(settings), async (head) =>
      head.ServerSideEncryption === wanted ? undefined : `its HEAD shows ${head.ServerSideEncryption ? `encryption ${head.ServerSideEncryption}` : 'no encryption'}`,
    );
  }
  if (settings.tags !== undefined) {
    const tags = objectTags(settings, { 'dcs-instance': 'probe', 'dcs-date': '1970-01-01' })!;
    const proven = async () => {
      const answer = await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
      const found = new Map((answer.TagSet ?? []).map((tag) => [tag.Key, tag.Value]));
      const lost = Object.entries(tags).filter(([name, value]) => found.get(name) !== value);
      return lost.length === 0 ? undefined : `it kept no tag ${lost.map(([name]) => name).join(', ')}`;
    };
    await probe('destination.tags', Object.keys(tags).join(','), { Tagging: taggingHeader(tags) }, proven, { tags });
  }
}

const PROBE_BODY = 'probe\n';

type ProbeWrite = (check: SettingsCheck, key: string, params: CreationParams, completed: CompletedSettings | undefined, written: { versionId?: string; at?: true | undefined }) => Promise<void>;

const putProbe: ProbeWrite = async ({ client, bucket, signal }, key, params, _completed, written) => {
  const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: PROBE_BODY, ContentLength: PROBE_BODY.length, ...params }), { abortSignal: signal });
  written.at = true;
  if (put.VersionId) written.versionId = put.VersionId;
};

/** One part (the last part of an upload may be smaller than S3's 5 MiB least), aborted on failure. */
const multipartProbe: ProbeWrite = async ({ client, bucket }, key, params, completed, written) => {
  // Not cancellable, as in s3-parts.ts: a cancelled request could leave an upload we never learn of.
  const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...params }));
  if (created.UploadId === undefined) throw new Error('the store started a multipart upload without an UploadId');
  const upload = { Bucket: bucket, Key: key, UploadId: created.UploadId };
  let done: CompleteMultipartUploadCommandOutput;
  try {
    const part = await client.send(new UploadPartCommand({ ...upload, PartNumber: 1, Body: PROBE_BODY, ContentLength: PROBE_BODY.length }));
    done = await client.send(new CompleteMultipartUploadCommand({ ...upload, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
  } catch (error) {
    await client.send(new AbortMultipartUploadCommand(upload)).catch(() => undefined); // best effort: the failure above is the one to report
    throw error;
  }
  if (done.VersionId) written.versionId = done.VersionId;
  written.at = true;
  if (!completed) return;
  try {
    await applyToCompleted(client, { Bucket: bucket, Key: key }, done.VersionId, completed);
  } catch (error) {
    // It removed the version it knew; a second removal (of a version that is gone) could fail and
    // hide the refusal, which is what the check must report.
    if (done.VersionId) written.at = undefined;
    throw error;
  }
};

async function checkObjectLock(check: SettingsCheck): Promise<void> {
  const { client, bucket, location, signal } = check;
  const advice = `create the bucket with Object Lock enabled (it can only be enabled at creation on most stores, and needs versioning), or remove destination.objectLock`;
  let enabled: string | undefined;
  try {
    const answer = await client.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }), { abortSignal: signal });
    enabled = answer.ObjectLockConfiguration?.ObjectLockEnabled;
  } catch (error) {
    if ((error as { name?: string }).name !== 'ObjectLockConfigurationNotFoundError') {
      const failure = check.fail(error, 'check object lock', undefined);
      if (failureKind(failure) === 'retryable') throw failure;
      throw new ArchiveError('store', 'fatal', 'unsupported-setting', `destination.objectLock: could not read the Object Lock configuration of ${location} (${errorMessage(failure)}); ${advice}`);
    }
  }
  if (enabled !== 'Enabled') {
    throw new ArchiveError('store', 'fatal', 'unsupported-setting', `destination.objectLock is set, but the bucket ${location} has no Object Lock enabled: ${advice}`);
  }
}

function unsupported(check: SettingsCheck, setting: string, value: string, why: string): ArchiveError {
  return new ArchiveError(
    'store',
    'fatal',
    'unsupported-setting',
    `${setting} ${JSON.stringify(value)} is not supported by ${check.location}: ${why}. Change or remove ${setting}; nothing was archived`,
  );
}

function refused(check: SettingsCheck, setting: string, value: string, error: unknown, key: string, how: string): Error {
  if (error instanceof ArchiveError && error.code === 'unsupported-setting') return error;
  const failure = check.fail(error, 'check settings', key);
  // A 501 (Swift: "Server-side encryption is not supported") is a 5xx that no retry will change.
  const notImplemented = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 501;
  if ((failureKind(failure) === 'retryable' && !notImplemented) || check.signal.aborted) return failure;
  return unsupported(check, setting, value, `it refused ${how} (${errorMessage(failure)})`);
}

/** The probe's own version where the bucket keeps versions, so nothing of it stays behind. */
async function removeProbe(check: SettingsCheck, key: string, versionId: string | undefined): Promise<void> {
  const { client, bucket, signal } = check;
  try {
    if (versionId !== undefined) {
      try {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }), { abortSignal: signal });
        return;
      } catch {
        // a default retention may keep the version: a delete marker hides it at least
      }
    }
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
  } catch (error) {
    throw check.fail(error, 'remove the settings probe', key);
  }
}
