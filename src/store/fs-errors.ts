import { AbortedError, ArchiveError, type FailureKind } from '../errors.js';

/** A file system's errors in the store's classes: the counterpart of s3-errors.ts for a directory. */

export function codeOf(error: unknown): string | undefined {
  return (error as { code?: unknown })?.code as string | undefined;
}

/** A key whose path is missing, or where a directory or a file stands in the way. */
export function isMissing(error: unknown): boolean {
  const code = codeOf(error);
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

const FATAL: Record<string, string> = {
  ENOENT: 'the destination directory does not exist and cannot be created there: create it (or its parent), mount the volume, or correct destination.url',
  ENOTDIR: 'the destination is not a directory: correct destination.url',
  EACCES: 'permission denied: let this user write to the destination directory',
  EPERM: 'operation not permitted: let this user write to the destination directory',
  EROFS: 'the destination is mounted read-only',
  ENOSPC: 'the destination volume is full',
  EDQUOT: 'the disk quota for the destination is exhausted',
};
const RETRYABLE = new Set(['EIO', 'EAGAIN', 'EBUSY', 'ETIMEDOUT', 'ESTALE', 'EMFILE', 'ENFILE']);

export function classifyFsError(error: unknown, operation: string, location: string, key?: string): Error {
  if (error instanceof ArchiveError || error instanceof AbortedError) return error;
  if ((error as { name?: string })?.name === 'AbortError') return new AbortedError(`${operation} stopped before completion`);
  const code = codeOf(error);
  // Only the root itself missing is fatal; a missing path under it is the operation's problem.
  const fatal = code !== undefined && code in FATAL && (code !== 'ENOENT' || operation === 'check') && (code !== 'ENOTDIR' || operation === 'check');
  const kind: FailureKind = fatal ? 'fatal' : code !== undefined && RETRYABLE.has(code) ? 'retryable' : 'file';
  const where = `${operation} ${location}${key ?? ''}`;
  const detail = error instanceof Error ? error.message : String(error);
  const next = fatal ? `: ${FATAL[code!]}` : '';
  return new ArchiveError('store', kind, (code ?? 'error').toLowerCase(), `${where} failed (${code ?? 'error'})${next}; ${detail}`);
}
