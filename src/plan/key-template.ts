import type { Config } from '../config/schema.js';
import { safeSegment } from '../store/key-safety.js';

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
