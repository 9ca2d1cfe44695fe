import { createHash } from 'node:crypto';
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
  if (problem) throw new ArchiveError('store', 'fatal', 'unsafe-prefix', `destination prefix ${JSON.stringify(prefix)} ${problem}`);
  return withSlash;
}

/** S3 lists keys in UTF-8 byte order; JavaScript compares UTF-16 code units, which differ above U+FFFF. */
export function compareKeys(a: string, b: string): number {
  // Below U+D800 both orders agree, and keys are nearly always plain: no buffers made for them.
  if (!BEYOND_BMP_ORDER.test(a) && !BEYOND_BMP_ORDER.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Code units from which UTF-16 and UTF-8 orders can differ (surrogates sort before U+E000..U+FFFF in UTF-16). */
const BEYOND_BMP_ORDER = /[\uD800-\uFFFF]/;

function unsafe(what: 'key' | 'prefix', value: string, problem: string): ArchiveError {
  return new ArchiveError('store', 'file', 'unsafe-key', `refusing ${what} ${JSON.stringify(value)}: it ${problem}`);
}

const MAX_SEGMENT = 180;
const REDUCED = /(^|-)[0-9a-f]{16}$/;

/**
 * Makes one path segment safe: names from the API must never climb out of the prefix, hide
 * in control characters or collide. A name that is already plain passes unchanged; any other
 * is reduced to plain characters and suffixed with a hash of the original, so two different
 * names never map to the same key.
 */
export function safeSegment(value: string): string {
  // A plain name that ends like a reduced one (-16 hex digits) is reduced too, so the two kinds
  // of segment can never meet.
  const plain = /^[A-Za-z0-9._-]+$/.test(value) && value.length <= MAX_SEGMENT && !/^\.+$/.test(value) && !REDUCED.test(value);
  if (plain) return value;
  // Hashed as UTF-16 code units: UTF-8 would turn every lone surrogate into the same U+FFFD.
  const digest = createHash('sha256').update(Buffer.from(value, 'utf16le')).digest('hex').slice(0, 16);
  const reduced = value
    .normalize('NFKC')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(0, MAX_SEGMENT - 17);
  return reduced ? `${reduced}-${digest}` : digest;
}
