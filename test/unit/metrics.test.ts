import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { Metrics, shardLabel } from '../../src/metrics.js';

const NOW = new Date('2026-12-02T03:20:00Z');

async function values(metrics: Metrics) {
  const families = parsePrometheusTextFormat(await metrics.text());
  return {
    names: families.map((f) => f.name),
    value: (name: string, labels: Record<string, string> = {}) =>
      Number(families.find((f) => f.name === name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value ?? NaN),
  };
}

const finished = { type: 'pass-finished', runId: 'r', archived: 1, skipped: 0, failed: 0, deferred: 0, bytes: 1, ms: 2000, daysAtRisk: 0 } as const;
const restored = {
  newest: { runId: 'b', result: 'partial' as const, startedAt: new Date('2026-12-01T03:17:00Z'), finishedAt: new Date('2026-12-01T03:19:30Z'), daysAtRisk: 4 },
  lastSuccess: { runId: 'a', result: 'ok' as const, startedAt: new Date('2026-11-30T03:17:00Z'), finishedAt: new Date('2026-11-30T03:18:00Z') },
  unreadable: [],
};

describe('metrics', () => {
  it("carry the process's default metrics and the build info", async () => {
    const { names, value } = await values(new Metrics({ version: '9.8.7', node: 'v26.1.0', now: () => NOW }));
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) expect(names).toContain(name);
    expect(value('dcs_archiver_build_info', { version: '9.8.7', node: 'v26.1.0' })).toBe(1);
  });

  it('restore the last pass, the last success and the days at risk from the run reports', async () => {
    const metrics = new Metrics({ version: '1', node: 'v1', now: () => NOW });
    metrics.restore(restored);
    const { value } = await values(metrics);
    expect(value('dcs_archiver_last_success_timestamp_seconds')).toBe(Date.parse('2026-11-30T03:18:00Z') / 1000);
    expect(value('dcs_archiver_last_pass_timestamp_seconds')).toBe(Date.parse('2026-12-01T03:19:30Z') / 1000);
    expect(value('dcs_archiver_last_pass_result', { result: 'partial' })).toBe(1);
    expect(value('dcs_archiver_last_pass_result', { result: 'ok' })).toBe(0);
    expect(value('dcs_archiver_days_at_risk')).toBe(4);
    expect(value('dcs_archiver_last_pass_duration_seconds')).toBe(150);
    // Counters are this process's own: nothing is restored into them.
    expect(value('dcs_archiver_passes_total', { result: 'partial' })).toBe(0);
  });

  it('keep the figures of a pass this process finished over those restored later', async () => {
    const metrics = new Metrics({ version: '1', node: 'v1', now: () => NOW });
    metrics.handle({ ...finished, result: 'ok' });
    metrics.restore(restored);
    const { value } = await values(metrics);
    expect(value('dcs_archiver_last_success_timestamp_seconds')).toBe(NOW.getTime() / 1000);
    expect(value('dcs_archiver_last_pass_result', { result: 'ok' })).toBe(1);
    expect(value('dcs_archiver_days_at_risk')).toBe(0);
  });

  it('name a shard for a Pushgateway grouping without a slash', () => {
    expect(shardLabel({ index: 0, count: 4 })).toBe('0-of-4');
  });
});
