/**
 * How the archiver's objects are written, in our words (storage class, encryption, tags, Object
 * Lock), and what a written object is known to carry. Validated config comes in as
 * ObjectSettings; records note an ObjectStorage per log object.
 */

export type LockMode = 'GOVERNANCE' | 'COMPLIANCE';
export type Encryption = { algorithm: 'AES256' } | { algorithm: 'aws:kms'; kmsKeyId?: string };

export interface ObjectSettings {
  /**
   * The storage class of log objects. Records, manifests and run reports stay in the standard
   * class: they are read every pass, and an infrequent-access class bills each read.
   */
  storageClass?: string;
  /** Server-side encryption of every object the archiver writes (multipart uploads included). */
  encryption?: Encryption;
  /**
   * Tags on log objects, to which each upload adds its own (`dcs-instance`, `dcs-date`).
   * Undefined: objects are written without a tagging header (stores such as Swift refuse one).
   */
  tags?: Readonly<Record<string, string>>;
  /**
   * Log objects are written with a retain-until date this many days ahead. Records and manifests
   * are rewritten over time, so they are never locked.
   */
  objectLock?: { mode: LockMode; days: number };
}

/** What a log object carries beyond its bytes, as written (and as a HEAD shows it). */
export interface ObjectStorage {
  storageClass?: string;
  serverSideEncryption?: Encryption['algorithm'];
  kmsKeyId?: string;
  objectLock?: { mode: LockMode; retainUntil: string };
}

const DAY_MS = 86_400_000;

/** The retain-until date of an object written at `now`. */
export function retainUntil(lock: { days: number }, now: Date): Date {
  return new Date(now.getTime() + lock.days * DAY_MS);
}

/** The tags of one log object: the configured ones and the file's own (which win). */
export function objectTags(settings: ObjectSettings, own: Readonly<Record<string, string>> | undefined): Record<string, string> | undefined {
  if (settings.tags === undefined) return undefined;
  return { ...settings.tags, ...own };
}

/** The S3 `x-amz-tagging` value: a URL query string. */
export function taggingHeader(tags: Readonly<Record<string, string>>): string {
  return Object.entries(tags)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .join('&');
}
