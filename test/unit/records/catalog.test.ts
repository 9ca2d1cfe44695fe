import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseManifest } from '../../../src/records/book.js';
import { archivedInstanceSegments, latestRunId, manifestIdentity } from '../../../src/records/catalog.js';
import { manifestKey, runReportKey } from '../../../src/records/layout.js';
import { createFileStore } from '../../../src/store/file-store.js';

const roots: string[] = [];
afterEach(async () => {
  await Promise.all(roots.splice(0).map((root) => rm(root, { recursive: true, force: true })));
});

async function store() {
  const root = await mkdtemp(join(tmpdir(), 'archiver-catalog-'));
  roots.push(root);
  return createFileStore({ root });
}

const manifest = (instanceId: string, extra: object = {}) => JSON.stringify({ schemaVersion: 1, projectId: 'p', instanceId, generatedAt: '2026-11-14T00:00:00Z', entries: [], ...extra });

describe('the catalog of what the bucket holds', () => {
  it('reads the name a manifest carries, and an older manifest without one', async () => {
    const s = await store();
    await s.put(manifestKey('inst-1'), manifest('inst-1', { instanceName: 'orders-cache' }));
    await s.put(manifestKey('inst-2'), manifest('inst-2'));
    await s.put('manifests/not-a-manifest.txt', 'x');
    const segments: string[] = [];
    for await (const segment of archivedInstanceSegments(s)) segments.push(segment);
    expect(segments).toEqual(['inst-1', 'inst-2']);
    expect(await manifestIdentity(s, 'inst-1')).toEqual({ instanceId: 'inst-1', instanceName: 'orders-cache' });
    expect(await manifestIdentity(s, 'inst-2')).toEqual({ instanceId: 'inst-2' });
    expect(await manifestIdentity(s, 'inst-3')).toBeUndefined();
  });

  it('keeps a manifest name only when it is a non-empty string', () => {
    expect(parseManifest(manifest('i', { instanceName: 42 }))).not.toHaveProperty('instanceName');
    expect(parseManifest(manifest('i', { instanceName: '' }))).not.toHaveProperty('instanceName');
    expect(parseManifest(manifest('i', { instanceName: 'n' }))).toMatchObject({ instanceName: 'n' });
  });

  it('finds the newest run report among recent ones, and among old ones when none is recent', async () => {
    const s = await store();
    const now = new Date('2026-11-14T12:00:00Z');
    expect(await latestRunId(s, now)).toBeUndefined();
    await s.put(runReportKey('20250101T031700Z-aaaaaa'), '{}');
    await s.put(runReportKey('20250102T031700Z-bbbbbb'), '{}');
    expect(await latestRunId(s, now)).toBe('20250102T031700Z-bbbbbb');
    await s.put(runReportKey('20261113T031700Z-cccccc'), '{}');
    await s.put(runReportKey('20261114T031700Z-dddddd'), '{}');
    expect(await latestRunId(s, now)).toBe('20261114T031700Z-dddddd');
  });
});
