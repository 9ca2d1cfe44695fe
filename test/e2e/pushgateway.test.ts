import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DcsSimulator } from '../../sim/index.js';
import { runCli, simEnv } from '../support/cli.js';
import { TEST_AK, TEST_PROJECT_ID, TEST_SK } from '../support/secrets.js';

const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

describe('one-shot metrics', () => {
  let sim: DcsSimulator;
  let gateway: Server;
  const pushes: Array<{ method: string; url: string; body: string }> = [];

  beforeAll(async () => {
    sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK } });
    const instance = sim.addInstance(TEST_PROJECT_ID, { id: 'push-0', name: 'push-0', cacheMode: 'single' });
    const replica = instance.replicas[0]!;
    sim.addLog(TEST_PROJECT_ID, instance.id, { replicationIp: replica.ip, groupName: replica.groupName, date: yesterday, size: 4321 });
    gateway = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        pushes.push({ method: req.method ?? '', url: req.url ?? '', body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await sim.close();
    await new Promise((resolve) => gateway.close(resolve));
  });

  it('pushes the pass metrics to the Pushgateway when one is configured', async () => {
    const root = await mkdtemp(join(tmpdir(), 'archiver-push-'));
    const configPath = join(root, 'config.yaml');
    await writeFile(
      configPath,
      JSON.stringify({
        dcs: { endpoint: sim.endpoint, projectId: TEST_PROJECT_ID, allowHttp: true },
        instances: ['push-0'],
        collect: { enabled: false },
        destination: { url: `file://${root}/` },
        metrics: { pushgatewayUrl: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`, jobName: 'nightly-archive' },
      }),
    );
    const result = await runCli(['archive', '--config', configPath], simEnv());
    expect(result.code, result.stdout).toBe(0);
    expect(pushes).toHaveLength(1);
    expect(pushes[0]!.url).toBe('/metrics/job/nightly-archive');
    const families = parsePrometheusTextFormat(pushes[0]!.body);
    const value = (name: string, labels: Record<string, string> = {}) =>
      Number(families.find((f) => f.name === name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value);
    expect(value('dcs_archiver_passes_total', { result: 'ok' })).toBe(1);
    expect(value('dcs_archiver_files_total', { outcome: 'archived', reason: 'new' })).toBe(1);
    expect(value('dcs_archiver_bytes_total')).toBe(4321);
  });
});
