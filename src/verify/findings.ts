/**
 * What an audit of the bucket finds, as data: the core reports findings, the CLI logs them,
 * tests collect them.
 */

/** Something wrong in the bucket. Each one makes the audit unclean unless a fix resolves it. */
export type ProblemKind =
  /** A record's object is not there. */
  | 'missing-object'
  /** A record's object has another size than the record's `storedBytes`. */
  | 'size-mismatch'
  /** `--deep`: the object's content (decompressed when gzip) differs from the record's SHA-256 or byte count. */
  | 'hash-mismatch'
  /** A key under `records/` that is not a record (not JSON, wrong shape, unknown schema). */
  | 'unreadable-record'
  /** A record stored at another key than the one its own fields name. */
  | 'misplaced-record'
  /** An instance has records but no manifest. */
  | 'manifest-missing'
  /** A manifest that is not one (not JSON, unknown shape). */
  | 'manifest-unreadable'
  /** A record the manifest lacks. */
  | 'manifest-missing-entry'
  /** A manifest entry with no record (or a second entry for one file). */
  | 'manifest-extra-entry'
  /** A manifest entry that differs from its record. */
  | 'manifest-differs'
  /** An object no record names, outside records/, manifests/ and runs/. Never deleted: it may be another tool's. */
  | 'unrecorded-object'
  /** A multipart upload started longer ago than the threshold and never finished. */
  | 'orphaned-upload'
  /** With destination.objectLock: a record's object has no retention (no Object Lock mode or date). */
  | 'lock-missing'
  /** With destination.objectLock: a record's object is retained for fewer days than configured. */
  | 'lock-short'
  /** The store failed while something was being checked, so it could not be checked. */
  | 'check-failed';

export const PROBLEM_KINDS: readonly ProblemKind[] = [
  'missing-object',
  'size-mismatch',
  'hash-mismatch',
  'unreadable-record',
  'misplaced-record',
  'manifest-missing',
  'manifest-unreadable',
  'manifest-missing-entry',
  'manifest-extra-entry',
  'manifest-differs',
  'unrecorded-object',
  'orphaned-upload',
  'lock-missing',
  'lock-short',
  'check-failed',
];

export interface Problem {
  kind: ProblemKind;
  /** The key the problem is about: the object, the record, the manifest or the upload's key. */
  key: string;
  instanceId?: string;
  /** The record that names `key`, when `key` is not the record itself. */
  record?: string;
  /** What the record (or the threshold) says, and what was found. */
  expected?: string | number;
  actual?: string | number;
  /** For manifest-differs: the fields that differ. */
  fields?: string[];
  /** For orphaned uploads. */
  uploadId?: string;
  initiated?: string;
  /** Why, in words: a parse failure, a store error. Never a secret (store errors are already scrubbed). */
  detail?: string;
}

/** A repair `--fix` made. */
export interface Fix {
  kind: 'fixed-manifest' | 'fixed-orphaned-upload';
  key: string;
  instanceId?: string;
  /** fixed-manifest: how many entries the rebuilt manifest holds. */
  entries?: number;
  /** fixed-manifest: the problems it resolved. */
  resolved?: number;
  uploadId?: string;
}

/** Worth saying, but not a problem. */
export interface Note {
  /**
   * - `upload-in-progress`: a pending upload younger than the threshold (another runner's, probably).
   * - `fix-failed`: a repair could not be attempted (nothing names the instance's project); its
   *   problems stay unresolved. A repair the store refuses is reported as `check-failed`.
   * - `instance-empty`: an `--instance` with neither records nor a manifest (a mistyped id?).
   * - `expired`: a record past `destination.retentionDays` whose object (`key`) is gone: a
   *   lifecycle rule did what the retention says. (A manifest entry past it whose record is gone
   *   too is no problem either, and not reported.)
   */
  kind: 'upload-in-progress' | 'fix-failed' | 'instance-empty' | 'expired';
  key: string;
  instanceId?: string;
  uploadId?: string;
  initiated?: string;
  detail?: string;
}

export type Finding = Problem | Fix | Note;

const PROBLEMS = new Set<string>(PROBLEM_KINDS);

export function isProblem(finding: Finding): finding is Problem {
  return PROBLEMS.has(finding.kind);
}

export interface VerifySummary {
  /** Nothing is wrong, or everything found was fixed. */
  clean: boolean;
  /** `bucket`: every check; `instances`: only the given instances' records and manifests. */
  scope: 'bucket' | 'instances';
  deep: boolean;
  fix: boolean;
  instances: number;
  records: number;
  /** Records past the retention whose object is gone: expected, not a problem. */
  expired: number;
  /** `--deep`: objects read back whole, and their stored bytes. */
  objectsRead: number;
  bytesRead: number;
  /** Problems found, per kind (including those fixed). */
  problems: Partial<Record<ProblemKind, number>>;
  fixed: Partial<Record<Fix['kind'], number>>;
  /** Problems found and not fixed. */
  unresolved: number;
  ms: number;
}
