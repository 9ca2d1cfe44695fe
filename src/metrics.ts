import { collectDefaultMetrics, Counter, Gauge, Pushgateway, Registry } from 'prom-client';
import type { ArchiverEvent, PassResult } from './events.js';
import type { LastPasses } from './records/runs.js';

const RESULTS: PassResult[] = ['ok', 'partial', 'failed', 'stopped'];

export interface MetricsOptions {
  now?: () => Date;
  /** The package version, for dcs_archiver_build_info. */
  version: string;
  /** The Node.js version (process.version), for dcs_archiver_build_info. */
  node: string;
}

/** Prometheus metrics folded from core events; one registry per process. */
export class Metrics {
  readonly registry = new Registry();
  private readonly passes = new Counter({ name: 'dcs_archiver_passes_total', help: 'Passes by result (ok, partial, failed, stopped).', labelNames: ['result'], registers: [this.registry] });
  private readonly files = new Counter({
    name: 'dcs_archiver_files_total',
    help: 'Files by outcome (archived, skipped, failed) and reason.',
    labelNames: ['outcome', 'reason'],
    registers: [this.registry],
  });
  private readonly instanceFailures = new Counter({ name: 'dcs_archiver_instance_failures_total', help: 'Instances that could not be processed, by reason.', labelNames: ['reason'], registers: [this.registry] });
  private readonly preparationFailures = new Counter({
    name: 'dcs_archiver_preparation_failures_total',
    help: 'Preparation steps that failed while the pass went on (discovery, replicas, collection), by step and reason.',
    labelNames: ['step', 'reason'],
    registers: [this.registry],
  });
  private readonly bytes = new Counter({ name: 'dcs_archiver_bytes_total', help: 'Source bytes archived.', registers: [this.registry] });
  private readonly storedBytes = new Counter({ name: 'dcs_archiver_stored_bytes_total', help: 'Bytes written to the bucket for archived files.', registers: [this.registry] });
  private readonly redisEvents = new Counter({
    name: 'dcs_archiver_redis_events_total',
    help: 'Redis server events (failovers, syncs, saves, rewrites, warnings, restarts) in the archived logs, by kind.',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  private readonly retries = new Counter({ name: 'dcs_archiver_retries_total', help: 'Retried calls and transfers.', registers: [this.registry] });
  private readonly skippedTicks = new Counter({ name: 'dcs_archiver_skipped_ticks_total', help: 'Scheduled ticks dropped because a pass was still running.', registers: [this.registry] });
  private readonly duration = new Gauge({ name: 'dcs_archiver_last_pass_duration_seconds', help: 'Duration of the last pass.', registers: [this.registry] });
  private readonly lastSuccess = new Gauge({ name: 'dcs_archiver_last_success_timestamp_seconds', help: 'When the last pass that archived everything planned finished (Unix time).', registers: [this.registry] });
  private readonly daysAtRisk = new Gauge({ name: 'dcs_archiver_days_at_risk', help: 'Replica-days not archived that DCS deletes within 2 days, as of the last pass.', registers: [this.registry] });
  private readonly running = new Gauge({ name: 'dcs_archiver_pass_running', help: '1 while a pass runs.', registers: [this.registry] });
  private readonly lastPass = new Gauge({ name: 'dcs_archiver_last_pass_timestamp_seconds', help: 'When the last pass finished (Unix time), whatever its result.', registers: [this.registry] });
  private readonly lastResult = new Gauge({ name: 'dcs_archiver_last_pass_result', help: "1 for the last pass's result (ok, partial, failed, stopped), 0 for the others.", labelNames: ['result'], registers: [this.registry] });
  private readonly buildInfo = new Gauge({ name: 'dcs_archiver_build_info', help: 'Always 1: the version of the archiver and of Node.js.', labelNames: ['version', 'node'], registers: [this.registry] });
  private readonly now: () => Date;
  /** A pass of this process has finished: its figures are newer than any restored. */
  private passFinished = false;

  constructor(options: MetricsOptions) {
    this.now = options.now ?? (() => new Date());
    for (const result of RESULTS) this.passes.inc({ result }, 0);
    this.buildInfo.set({ version: options.version, node: options.node }, 1);
    // Process, heap, GC and event-loop lag, on this registry only (nothing process-wide).
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * The last passes as the run reports at the destination tell them, so a restart does not read
   * as "never succeeded, nothing at risk". A pass this process finished first is newer: kept.
   */
  restore(last: LastPasses): void {
    if (this.passFinished) return;
    if (last.newest) {
      this.setLastPass(last.newest.result, last.newest.finishedAt);
      this.duration.set((last.newest.finishedAt.getTime() - last.newest.startedAt.getTime()) / 1000);
      if (last.newest.daysAtRisk !== undefined) this.daysAtRisk.set(last.newest.daysAtRisk);
    }
    if (last.lastSuccess) this.lastSuccess.set(Math.floor(last.lastSuccess.finishedAt.getTime() / 1000));
  }

  private setLastPass(result: PassResult, at: Date): void {
    this.lastPass.set(Math.floor(at.getTime() / 1000));
    for (const r of RESULTS) this.lastResult.set({ result: r }, r === result ? 1 : 0);
  }

  handle(event: ArchiverEvent): void {
    switch (event.type) {
      case 'pass-started':
        this.running.set(1);
        break;
      case 'file-archived':
        this.files.inc({ outcome: 'archived', reason: event.replaced ? 'replaced' : 'new' });
        this.bytes.inc(event.bytes);
        this.storedBytes.inc(event.storedBytes);
        for (const [kind, counted] of Object.entries(event.events ?? {})) this.redisEvents.inc({ kind }, counted.count);
        break;
      case 'file-skipped':
        this.files.inc({ outcome: 'skipped', reason: event.reason });
        break;
      case 'file-failed':
        this.files.inc({ outcome: 'failed', reason: event.reason });
        break;
      case 'instance-failed':
        this.instanceFailures.inc({ reason: event.reason });
        break;
      case 'pass-deferred':
        this.files.inc({ outcome: 'deferred', reason: 'stopped' }, event.files);
        break;
      case 'discovery-failed':
        this.preparationFailures.inc({ step: 'discovery', reason: event.failure.reason });
        break;
      case 'replicas-failed':
        this.preparationFailures.inc({ step: 'replicas', reason: event.failure.reason });
        break;
      case 'collection-failed':
        this.preparationFailures.inc({ step: 'collection', reason: event.failure.reason });
        break;
      case 'retry':
        this.retries.inc();
        break;
      case 'pass-finished':
        this.passFinished = true;
        this.setLastPass(event.result, this.now());
        this.running.set(0);
        this.passes.inc({ result: event.result });
        this.duration.set(event.ms / 1000);
        this.daysAtRisk.set(event.daysAtRisk);
        if (event.result === 'ok') this.lastSuccess.set(Math.floor(this.now().getTime() / 1000));
        break;
      default:
        break;
    }
  }

  skippedTick(): void {
    this.skippedTicks.inc();
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  /**
   * One-shot runs: hand the figures to a Pushgateway, replacing the previous push of the same
   * group. Each shard is a group of its own (`shard="0-of-4"`), so the pods of an Indexed Job
   * do not overwrite each other.
   */
  async push(url: string, jobName: string, shard?: { index: number; count: number }): Promise<void> {
    const groupings = shard ? { shard: shardLabel(shard) } : undefined;
    await new Pushgateway(url, { timeout: 10_000 }, this.registry).pushAdd({ jobName, ...(groupings ? { groupings } : {}) });
  }
}

/** `0-of-4`: the shard as a Pushgateway grouping value (no `/`, which would split the URL path). */
export function shardLabel(shard: { index: number; count: number }): string {
  return `${shard.index}-of-${shard.count}`;
}
