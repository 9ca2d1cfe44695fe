import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DcsSimulator } from '../../sim/index.js';
import { CLI, simEnv } from '../support/cli.js';
import { TEST_AK, TEST_PROJECT_ID, TEST_SK } from '../support/secrets.js';

const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

/** A schedule-mode process whose JSON log lines are collected as they come. */
class Scheduler {
  readonly lines: Array<Record<string, unknown>> = [];
  private readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  constructor(configPath: string) {
    this.child = spawn(process.execPath, [CLI, 'schedule', '--config', configPath], { env: simEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      for (const line of parts) if (line.startsWith('{')) this.lines.push(JSON.parse(line) as Record<string, unknown>);
    });
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }
  async waitFor(predicate: (lines: Array<Record<string, unknown>>) => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.lines)) {
      if (Date.now() > deadline) throw new Error(`timed out; lines so far:\n${this.lines.map((l) => JSON.stringify(l)).join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  port(): number {
    return this.lines.find((l) => l.msg === 'serving /healthz, /readyz and /metrics')!.port as number;
  }
  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

describe('schedule mode', () => {
  let sim: DcsSimulator;
  let root: string;
  let running: Scheduler | undefined;

  beforeEach(async () => {
    sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK } });
    for (let i = 0; i < 2; i++) {
      const instance = sim.addInstance(TEST_PROJECT_ID, { id: `sched-${i}`, name: `sched-${i}`, cacheMode: 'single' });
      const replica = instance.replicas[0]!;
      sim.addLog(TEST_PROJECT_ID, instance.id, { replicationIp: replica.ip, groupName: replica.groupName, date: yesterday, size: 5000 + i });
    }
    root = await mkdtemp(join(tmpdir(), 'archiver-schedule-'));
    await mkdir(join(root, 'archive'));
  });

  afterEach(async () => {
    running?.kill('SIGKILL');
    await running?.exited;
    running = undefined;
    await sim.close();
  });

  async function config(schedule: Record<string, unknown>): Promise<string> {
    const path = join(root, 'config.yaml');
    await writeFile(
      path,
      JSON.stringify({
        dcs: { endpoint: sim.endpoint, projectId: TEST_PROJECT_ID, allowHttp: true },
        instances: ['sched-0', 'sched-1'],
        collect: { enabled: false },
        destination: { url: `file://${root}/archive/` },
        schedule,
        server: { port: 0, host: '127.0.0.1' },
      }),
    );
    return path;
  }

  it('runs a pass on every tick of a short schedule, one at a time, and stops cleanly on SIGTERM', async () => {
    running = new Scheduler(await config({ cron: '*/2 * * * * *' }));
    await running.waitFor((lines) => lines.filter((l) => l.msg === 'pass finished').length >= 3);
    const started = running.lines.filter((l) => l.msg === 'pass started').length;
    const finished = running.lines.filter((l) => l.msg === 'pass finished').length;
    expect(started - finished).toBeLessThanOrEqual(1);
    expect(running.lines.filter((l) => l.msg === 'pass finished')[0]).toMatchObject({ result: 'ok', archived: 2 });
    running.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    expect(running.lines.at(-1)).toMatchObject({ msg: 'scheduler stopped' });
  });

  it('serves health, readiness and Prometheus metrics that match the run report', async () => {
    running = new Scheduler(await config({ cron: '0 0 1 1 *', runOnStart: true }));
    await running.waitFor((lines) => lines.some((l) => l.msg === 'pass finished'));
    const base = `http://127.0.0.1:${running.port()}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const response = await fetch(`${base}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const families = parsePrometheusTextFormat(await response.text());
    const value = (name: string, labels: Record<string, string> = {}) =>
      Number(families.find((f) => f.name === name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value ?? NaN);

    const [reportName] = await readdir(join(root, 'archive', 'runs'));
    const report = JSON.parse(await readFile(join(root, 'archive', 'runs', reportName!), 'utf8'));
    expect(value('dcs_archiver_passes_total', { result: 'ok' })).toBe(1);
    expect(value('dcs_archiver_files_total', { outcome: 'archived', reason: 'new' })).toBe(report.counts.archived);
    expect(value('dcs_archiver_bytes_total')).toBe(report.counts.bytes);
    expect(value('dcs_archiver_pass_running')).toBe(0);
    expect(value('dcs_archiver_last_success_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 60);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    running.kill('SIGTERM');
    expect(await running.exited).toBe(0);
  });
});
