import { ArchiveError } from '../errors.js';

/**
 * The last line of defence for keys: the planner already sanitises them, but a store must never
 * write outside its prefix (or root directory) whatever it is handed.
 */
function problemWith(path: string): string | undefined {
  if (path.startsWith('/')) return 'starts with "/"';
  if (path.includes('\\')) return 'contains a backslash';
  if (hasControlCharacter(path)) return 'contains a control character';
  const segments = path.split('/');
  // A prefix ends in '/', so its last segment may be empty; no other may.
  for (const [index, segment] of segments.entries()) {
    if (segment === '..' || segment === '.') return `has a "${segment}" segment`;
    if (segment === '' && index !== segments.length - 1) return 'has an empty segment ("//")';
  }
  return undefined;
}

function hasControlCharacter(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** Throws a `file` ArchiveError unless `key` names an object inside the prefix. */
export function assertSafeKey(key: string): void {
  const problem = key === '' ? 'is empty' : key.endsWith('/') ? 'ends with "/"' : problemWith(key);
  if (problem) throw unsafe('key', key, problem);
}

/** Like assertSafeKey, for a listing prefix: '' and a trailing '/' are fine. */
export function assertSafePrefix(prefix: string): void {
  const problem = prefix === '' ? undefined : problemWith(prefix);
  if (problem) throw unsafe('prefix', prefix, problem);
}

/**
 * The destination prefix in its canonical form: '' or ending in '/'. A prefix that could climb out
 * of the bucket or root is a configuration problem, so it is `fatal`.
 */
export function normalizeBasePrefix(prefix: string): string {
  if (prefix === '') return '';
  const withSlash = prefix.endsWith('/') ? prefix : `${prefix}/`;
  const problem = problemWith(withSlash);
  if (problem) throw new ArchiveError('fatal', 'store.unsafe-prefix', `destination prefix ${JSON.stringify(prefix)} ${problem}`);
  return withSlash;
}

/** S3 lists keys in UTF-8 byte order; JavaScript compares UTF-16 code units, which differ above U+FFFF. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function unsafe(what: 'key' | 'prefix', value: string, problem: string): ArchiveError {
  return new ArchiveError('file', 'store.unsafe-key', `refusing ${what} ${JSON.stringify(value)}: it ${problem}`);
}
