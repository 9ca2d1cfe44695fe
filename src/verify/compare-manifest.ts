import { isDeepStrictEqual } from 'node:util';
import { recordKey } from '../records/layout.js';
import { identityOf, type ArchiveRecord } from '../records/record.js';
import type { Problem } from './findings.js';

export interface RetentionView {
  /** A record whose object expired past the retention: the manifest may have dropped its entry. */
  objectExpired?: (record: ArchiveRecord) => boolean;
  /** An entry past the retention: when its record is gone too, a lifecycle rule removed both. */
  pastRetention?: (entry: ArchiveRecord) => boolean;
}

/**
 * Compares a manifest's entries with the instance's records, by file identity (instance, day,
 * file name). Both sides come through parseRecord, so defaults are filled in alike and only real
 * differences remain. Pure: the caller reads both.
 */
export function compareManifest(manifestKey: string, entries: readonly ArchiveRecord[], records: readonly ArchiveRecord[], retention: RetentionView = {}): Problem[] {
  const problems: Problem[] = [];
  const byIdentity = new Map<string, ArchiveRecord>();
  for (const entry of entries) {
    const identity = identityOf(entry);
    if (byIdentity.has(identity)) {
      problems.push({ ...about(manifestKey, entry), kind: 'manifest-extra-entry', detail: 'a second entry for the same file' });
    } else byIdentity.set(identity, entry);
  }
  const seen = new Set<string>();
  for (const record of records) {
    const identity = identityOf(record);
    // A second record of one file is a misplaced record, reported as such by the caller.
    if (seen.has(identity)) continue;
    seen.add(identity);
    const entry = byIdentity.get(identity);
    byIdentity.delete(identity);
    if (!entry) {
      if (retention.objectExpired?.(record)) continue; // dropped when the manifest was rebuilt
      problems.push({ ...about(manifestKey, record), kind: 'manifest-missing-entry' });
      continue;
    }
    const fields = differingFields(entry, record);
    if (fields.length > 0) problems.push({ ...about(manifestKey, record), kind: 'manifest-differs', fields });
  }
  for (const entry of byIdentity.values()) {
    if (retention.pastRetention?.(entry)) continue;
    problems.push({ ...about(manifestKey, entry), kind: 'manifest-extra-entry', detail: 'no record for this entry' });
  }
  return problems;
}

function about(manifestKey: string, file: ArchiveRecord) {
  return { key: manifestKey, instanceId: file.instanceId, record: recordKey(file.instanceId, file.date, file.fileName) };
}

function differingFields(entry: ArchiveRecord, record: ArchiveRecord): string[] {
  const a = entry as unknown as Record<string, unknown>;
  const b = record as unknown as Record<string, unknown>;
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return names.filter((name) => !isDeepStrictEqual(a[name], b[name]));
}
