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

describe('buildRunReport after a stop', () => {
  const deferred = [{ fileName: 'f.log', logId: 'l', date: '2026-11-29' }];
  const build = (instances: InstanceReport[], stopped: boolean) => buildRunReport({ runId: 'r', startedAt: at, finishedAt: at, dryRun: false, instances, stopped });

  it('is stopped, not failed, when a signal left files or instances for the next pass', () => {
    expect(build([instance({ archived: [file], deferred })], true)).toMatchObject({ result: 'stopped', counts: { failed: 0, deferred: 1, archived: 1 } });
    expect(build([instance(), instance({ notStarted: true })], true).result).toBe('stopped');
  });

  it('is ok when the stop came but nothing was left undone, and partial when something failed before it', () => {
    expect(build([instance({ archived: [file] })], true).result).toBe('ok');
    expect(build([instance({ deferred, failed: [{ fileName: 'g', logId: 'm', date: 'd', ...failure }] })], true).result).toBe('partial');
  });
});
