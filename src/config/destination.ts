import type { ObjectSettings } from '../store/object-settings.js';

/** Where the archive goes, parsed once from `destination.url` (a schema transform). */
export type Destination =
  | { kind: 's3'; bucket: string; prefix: string }
  | { kind: 'file'; root: string };

/** `s3://bucket/prefix/` or `file:///abs/path/`; a string explains what is wrong. */
export function parseDestinationUrl(url: string): Destination | string {
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (s3) {
    const bucket = s3[1] ?? '';
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) return 's3://BUCKET/prefix/ with a valid bucket name (3-63 lower-case letters, digits, dots, hyphens)';
    const prefix = normalisePrefix(s3[2] ?? '');
    if (prefix === undefined) return 'a prefix without "..", "//" or control characters';
    return { kind: 's3', bucket, prefix };
  }
  if (url.startsWith('file://')) {
    let path: string;
    try {
      path = decodeURIComponent(url.slice('file://'.length));
    } catch {
      return 'file:///absolute/path/ with valid percent-escapes';
    }
    if (!path.startsWith('/')) return 'file:///absolute/path/ (three slashes)';
    if (path.split('/').includes('..')) return 'a path without ".."';
    return { kind: 'file', root: path };
  }
  return 's3://bucket/prefix/ or file:///path/';
}

function normalisePrefix(prefix: string): string | undefined {
  if (prefix === '') return '';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(prefix) || prefix.split('/').includes('..') || prefix.includes('//')) return undefined;
  return prefix.endsWith('/') ? prefix : `${prefix}/`;
}

/** Tags the archiver puts on every log object when `destination.tags` is set (a mapping, even empty). */
export const FIXED_OBJECT_TAGS = ['dcs-instance', 'dcs-date'] as const;

/** `destination`'s object settings as validated by the schema. */
export interface StorageSettingsInput {
  url: Destination;
  storageClass: string | null;
  serverSideEncryption: 'none' | 'AES256' | 'aws:kms';
  kmsKeyId: string | null;
  tags: Record<string, string> | null;
  objectLock: { mode: 'GOVERNANCE' | 'COMPLIANCE'; days: number } | null;
}

/** What the object settings cannot be combined with, each told by its key. */
export function storageSettingProblems(destination: StorageSettingsInput, problem: (key: string, input: unknown, message: string) => void): void {
  if (destination.url.kind === 'file') {
    const settings: Array<[string, unknown]> = [
      ['storageClass', destination.storageClass],
      ['serverSideEncryption', destination.serverSideEncryption === 'none' ? null : destination.serverSideEncryption],
      ['kmsKeyId', destination.kmsKeyId],
      ['tags', destination.tags],
      ['objectLock', destination.objectLock],
    ];
    for (const [key, value] of settings) {
      if (value !== null) problem(key, value, 'unset with a file:// destination: storage classes, encryption, tags and Object Lock are S3 settings');
    }
  }
  if (destination.kmsKeyId !== null && destination.serverSideEncryption !== 'aws:kms') {
    problem('kmsKeyId', destination.kmsKeyId, 'null unless destination.serverSideEncryption is aws:kms');
  }
}

/** The store's view of them. */
export function objectSettingsOf(destination: StorageSettingsInput): ObjectSettings {
  const encryption = destination.serverSideEncryption;
  return {
    ...(destination.storageClass === null ? {} : { storageClass: destination.storageClass }),
    ...(encryption === 'AES256' ? { encryption: { algorithm: 'AES256' } } : {}),
    ...(encryption === 'aws:kms' ? { encryption: { algorithm: 'aws:kms', ...(destination.kmsKeyId ? { kmsKeyId: destination.kmsKeyId } : {}) } } : {}),
    ...(destination.tags === null ? {} : { tags: destination.tags }),
    ...(destination.objectLock === null ? {} : { objectLock: destination.objectLock }),
  };
}
