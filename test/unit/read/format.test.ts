import { describe, expect, it } from 'vitest';
import { countLine, errorJson, fileLabel, matchJson, matchPrefix, mismatchMessage } from '../../../src/read/format.js';
import type { ArchivedFile } from '../../../src/read/select.js';
import type { ArchiveRecord } from '../../../src/records/record.js';

const record = { instanceId: 'inst-1', replicationIp: '10.0.0.5', date: '2026-11-14', fileName: 'redis_10.0.0.5_2026-11-14.log' } as ArchiveRecord;
const named: ArchivedFile = { record, instanceName: 'orders-cache' };
const unnamed: ArchivedFile = { record: { ...record, replicationIp: '' } };

describe('search output', () => {
  it('names a file as grep -H would: instance name (else id), replica (node for a single node), day', () => {
    expect(fileLabel(named)).toBe('orders-cache/10.0.0.5/2026-11-14');
    expect(fileLabel(unnamed)).toBe('inst-1/node/2026-11-14');
    expect(`${matchPrefix(fileLabel(named), 7)}line`).toBe('orders-cache/10.0.0.5/2026-11-14:7:line');
  });

  it('prints a --json match with exactly the documented keys, name null when unknown', () => {
    expect(JSON.parse(matchJson(named, 7, 'a "line"'))).toEqual({ instanceId: 'inst-1', instanceName: 'orders-cache', replicationIp: '10.0.0.5', date: '2026-11-14', fileName: 'redis_10.0.0.5_2026-11-14.log', lineNumber: 7, line: 'a "line"' });
    expect(Object.keys(JSON.parse(matchJson(unnamed, 1, 'x')))).toEqual(['instanceId', 'instanceName', 'replicationIp', 'date', 'fileName', 'lineNumber', 'line']);
    expect(JSON.parse(matchJson(unnamed, 1, 'x')).instanceName).toBeNull();
    expect(matchJson(named, 1, 'x').endsWith('}\n')).toBe(true);
  });

  it('prints counts per file, and an error as {error, key}', () => {
    expect(countLine(named, 3, false)).toBe('orders-cache/10.0.0.5/2026-11-14:3\n');
    expect(JSON.parse(countLine(named, 0, true))).toMatchObject({ instanceName: 'orders-cache', count: 0 });
    expect(JSON.parse(errorJson('bad', 'k/x.log'))).toEqual({ error: 'bad', key: 'k/x.log' });
  });

  it('names the key and the SHA-256 mismatch', () => {
    expect(mismatchMessage('k/x.log', 'aa', 'bb')).toBe('SHA-256 mismatch: k/x.log hashes to bb, its record says aa');
    expect(mismatchMessage('k/x.log.gz', 'aa', '', 'not valid gzip (bad)')).toMatch(/^SHA-256 mismatch: k\/x.log.gz is corrupt \(not valid gzip/);
  });
});
