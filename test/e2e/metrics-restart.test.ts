import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DcsSimulator } from '../../sim/index.js';
import { CLI, leakedSecrets, runCli, simEnv } from '../support/cli.js';
import { dayBefore } from '../support/days.js';
import { s3Target, uniquePrefix } from '../support/s3-target.js';
import { TEST_AK, TEST_PROJECT_ID, TEST_SK } from '../support/secrets.js';
import { createS3Store } from '../../src/store/s3-store.js';
import type { BucketStore } from '../../src/store/store.js';

/** A schedule process; its JSON log lines are collected as they come. */
class Scheduler {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private output = '';
  constructor(args: string[], env: Record<string, string>) {
    this.child = spawn(process.execPath, [CLI, 'schedule', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      this.output += chunk.toString('utf8');
      buffer += chunk.toString('utf8');
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      for (const line of parts) if (line.startsWith('{')) this.lines.push(JSON.parse(line) as Record<string, unknown>);
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }
  async waitFor(msg: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.lines.find((l) => l.msg === msg);
      if (line) return line;
      if (Date.now() > deadline) throw new Error(`no "${msg}" line; lines so far:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  async stop(): Promise<{ code: number | null; output: string }> {
    this.child.kill('SIGTERM');
    return { code: await this.exited, output: this.output };
  }
}

async function scrape(port: number) {
  const families = parsePrometheusTextFormat(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
  return {
    names: families.map((f) => f.name),
    value: (name: string, labels: Record<string, string> = {}) =>
      Number(families.find((f) => f.name === name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value ?? NaN),
  };
}

describe('metrics after a restart', () => {
  let sim: DcsSimulator;
  let store: BucketStore;
  let configPath: string;
  let env: Record<string, string>;
  const outputs: string[] = [];

  beforeAll(async () => {
    sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK } });
    const replica = sim.addInstance(TEST_PROJECT_ID, { id: 'restart-0', name: 'restart-0', cacheMode: 'single' }).replicas[0]!;
    sim.addLog(TEST_PROJECT_ID, 'restart-0', { replicationIp: replica.ip, groupName: replica.groupName, date: dayBefore(1), size: 4000 });
    const t = s3Target();
    const prefix = uniquePrefix('metrics-restart');
    store = createS3Store({ bucket: t.bucket, prefix, endpoint: t.endpoint, region: t.region, forcePathStyle: t.forcePathStyle, credentials: { accessKeyId: t.accessKeyId, secretAccessKey: t.secretAccessKey } });
    configPath = join(await mkdtemp(join(tmpdir(), 'archiver-restart-')), 'config.yaml');
    await writeFile(
      configPath,
      JSON.stringify({
        dcs: { endpoint: sim.endpoint, projectId: TEST_PROJECT_ID, allowHttp: true },
        instances: ['restart-0'],
        collect: { enabled: false },
        destination: { url: `s3://${t.bucket}/${prefix}`, endpoint: t.endpoint, region: t.region, forcePathStyle: t.forcePathStyle },
        // Never due during the test: a pass runs only when asked for.
        schedule: { cron: '0 0 1 1 *' },
        server: { port: 0, host: '127.0.0.1' },
      }),
    );
    env = simEnv({ AWS_ACCESS_KEY_ID: t.accessKeyId, AWS_SECRET_ACCESS_KEY: t.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true' });
  });

  afterAll(async () => {
    await sim?.close();
    await store?.close();
    for (const output of outputs) expect(leakedSecrets(output, sim.issuedLinks)).toEqual([]);
  });

  const report = async (runId: unknown) => JSON.parse((await store.get(`runs/${String(runId)}.json`))!.body.toString('utf8'));

  it('serves process metrics and build info, and after a restart the last success, the last pass and the days at risk read from the destination', async () => {
    // The first process: one pass that archives everything (days 6 and 7 back have no file, so they are at risk).
    const first = new Scheduler(['--config', configPath, '--run-now'], env);
    const firstPass = await first.waitFor('pass finished');
    expect(firstPass.result).toBe('ok');
    const firstScrape = await scrape(Number((await first.waitFor('serving /healthz, /readyz and /metrics')).port));
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) expect(firstScrape.names).toContain(name);
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(firstScrape.value('dcs_archiver_build_info', { version, node: process.version })).toBe(1);
    const stopped = await first.stop();
    outputs.push(stopped.output);
    expect(stopped.code).toBe(0);
    const succeeded = await report(firstPass.runId);

    // Then a one-shot pass that fails a file: the newest report is not a success.
    const replica = sim.addInstance(TEST_PROJECT_ID, { id: 'restart-1', name: 'restart-1', cacheMode: 'single' }).replicas[0]!;
    const doomed = sim.addLog(TEST_PROJECT_ID, 'restart-1', { replicationIp: replica.ip, groupName: replica.groupName, date: dayBefore(2), size: 1000 });
    sim.injectFault({ op: 'link', kind: 'http-404', logId: doomed.id });
    const partial = await runCli(['archive', '--config', configPath, '--set', 'instances=[restart-0, restart-1]'], env);
    outputs.push(partial.stdout + partial.stderr);
    expect(partial.code, partial.stdout).toBe(1);
    const failedRunId = partial.lines.find((l) => l.msg === 'pass finished')?.runId;
    const newest = await report(failedRunId);
    expect(newest.result).toBe('partial');
    expect(newest.counts.daysAtRisk).toBeGreaterThan(succeeded.counts.daysAtRisk);

    // The restart: no pass in this process, every figure from the run reports.
    const second = new Scheduler(['--config', configPath], env);
    await second.waitFor('metrics restored from the last run report at the destination');
    const { value } = await scrape(Number((await second.waitFor('serving /healthz, /readyz and /metrics')).port));
    expect(value('dcs_archiver_last_success_timestamp_seconds')).toBe(Math.floor(Date.parse(succeeded.finishedAt) / 1000));
    expect(value('dcs_archiver_last_pass_timestamp_seconds')).toBe(Math.floor(Date.parse(newest.finishedAt) / 1000));
    expect(value('dcs_archiver_last_pass_result', { result: 'partial' })).toBe(1);
    expect(value('dcs_archiver_last_pass_result', { result: 'ok' })).toBe(0);
    expect(value('dcs_archiver_days_at_risk')).toBe(newest.counts.daysAtRisk);
    expect(value('dcs_archiver_passes_total', { result: 'ok' })).toBe(0);
    const stoppedAgain = await second.stop();
    outputs.push(stoppedAgain.output);
    expect(stoppedAgain.code).toBe(0);
  });
});
