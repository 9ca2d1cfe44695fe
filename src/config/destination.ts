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
