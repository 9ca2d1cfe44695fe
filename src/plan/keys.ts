import { createHash } from 'node:crypto';
import type { Config } from '../config/schema.js';

/** What a key template can say about a file. */
export interface KeyFields {
  projectId: string;
  instanceId: string;
  instanceName: string;
  date: string;
  fileName: string;
  groupName: string;
  replicationIp: string;
  logId: string;
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

/** Renders the key template; every placeholder value becomes one safe segment. */
export function renderKey(template: string, fields: KeyFields, compression: Config['archive']['compression']): string {
  const [yyyy = '', mm = '', dd = ''] = fields.date.split('-');
  const values: Record<string, string> = { ...fields, yyyy, mm, dd };
  const key = template.replace(/\{([A-Za-z]+)\}/g, (_, name: string) => safeSegment(values[name] ?? ''));
  const segments = key.split('/').filter((segment) => segment !== '');
  if (segments.some((segment) => segment === '.' || segment === '..')) {
    throw new Error(`key template ${template} produced an unsafe key`);
  }
  return segments.join('/') + (compression === 'gzip' ? '.gz' : '');
}

export function recordKey(instanceId: string, date: string, fileName: string): string {
  return `${recordPrefix(instanceId)}${safeSegment(date)}/${safeSegment(fileName)}.json`;
}

export function recordPrefix(instanceId: string): string {
  return `records/${safeSegment(instanceId)}/`;
}

export function manifestKey(instanceId: string): string {
  return `manifests/${safeSegment(instanceId)}.json`;
}

export function runReportKey(runId: string): string {
  return `runs/${safeSegment(runId)}.json`;
}
