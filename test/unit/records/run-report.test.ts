import { describe, expect, it } from 'vitest';
import { buildRunReport, type InstanceReport } from '../../../src/records/run-report.js';

const at = new Date('2026-11-30T03:17:00Z');
const failure = { source: 'dcs' as const, kind: 'file' as const, reason: 'dcs.http-500', message: 'DCS GET ... answered 500' };
const instance = (overrides: Partial<InstanceReport> = {}): InstanceReport => ({ instanceId: 'i', projectId: 'p', archived: [], skipped: [], failed: [], ...overrides });
const file = { fileName: 'f.log', logId: 'l', date: '2026-11-29', key: 'k', bytes: 10, storedBytes: 4, sha256: 'x', partial: false, replaced: false };

describe('buildRunReport', () => {
  it('is ok when everything planned was archived, and counts from what the instances returned', () => {
    const report = buildRunReport({ runId: 'r', startedAt: at, finishedAt: at, dryRun: false, instances: [instance({ archived: [file, file], skipped: [{ fileName: 'g', logId: 'm', date: 'd', reason: 'already-archived' }] })] });
    expect(report).toMatchObject({ result: 'ok', counts: { instances: 1, archived: 2, skipped: 1, failed: 0, bytes: 20, storedBytes: 8 }, skippedByReason: { 'already-archived': 1 } });
  });

  it('is partial when a file, an instance, its replicas call or a collection failed, or discovery did', () => {
    const partial = (instances: InstanceReport[], discoveryError?: typeof failure) => buildRunReport({ runId: 'r', startedAt: at, finishedAt: at, dryRun: false, instances, discoveryError }).result;
    expect(partial([instance({ failed: [{ fileName: 'f', logId: 'l', date: 'd', ...failure }] })])).toBe('partial');
    expect(partial([instance({ error: failure })])).toBe('partial');
    expect(partial([instance({ replicasError: failure })])).toBe('partial');
    expect(partial([instance({ collection: [{ replica: 'node', period: 1, days: ['d'], result: 'failed', failure }] })])).toBe('partial');
    expect(partial([instance()], failure)).toBe('partial');
    expect(partial([instance({ collection: [{ replica: 'node', period: 1, days: ['d'], result: 'triggered' }] })])).toBe('ok');
  });

  it('is failed, with the reason, when a fatal failure stopped the pass', () => {
    const fatal = { ...failure, kind: 'fatal' as const, reason: 'dcs.http-401' };
    expect(buildRunReport({ runId: 'r', startedAt: at, finishedAt: at, dryRun: false, instances: [], fatal })).toMatchObject({ result: 'failed', error: fatal });
  });
});
