import { Counter, Gauge, Pushgateway, Registry } from 'prom-client';
import type { ArchiverEvent } from './events.js';

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

  constructor(private readonly now: () => Date = () => new Date()) {
    this.passes.inc({ result: 'ok' }, 0);
    this.passes.inc({ result: 'partial' }, 0);
    this.passes.inc({ result: 'failed' }, 0);
    this.passes.inc({ result: 'stopped' }, 0);
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

  /** One-shot runs: hand the figures to a Pushgateway (replacing this job's previous push). */
  async push(url: string, jobName: string): Promise<void> {
    await new Pushgateway(url, { timeout: 10_000 }, this.registry).pushAdd({ jobName });
  }
}
