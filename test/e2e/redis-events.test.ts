/**
 * Archive-time event counts end to end: the built CLI archives, from the simulator, the real
 * logs of a redis-server master and replica (test/support/redis-logs.ts) and one generated log
 * into the Swift bucket; each record must carry what the line-by-line reader finds in the same
 * bytes, the metric must add them up, and a second pass must upload nothing.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DcsSimulator, type SimLog } from '../../sim/index.js';
import { LogEventReader } from '../../src/redis-log/events.js';
import type { EventCounts } from '../../src/redis-log/tally.js';
import { createS3Store } from '../../src/store/s3-store.js';
import type { BucketStore } from '../../src/store/store.js';
import { leakedSecrets, runCli, simEnv, type CliResult } from '../support/cli.js';
import { dayBefore } from '../support/days.js';
import { captureRedisLogs, type CapturedRedisLogs } from '../support/redis-logs.js';
import { s3Target, uniquePrefix } from '../support/s3-target.js';
import { TEST_AK, TEST_LINK_SECRET, TEST_PROJECT_ID, TEST_SK } from '../support/secrets.js';

const DAY = dayBefore(1);

/** The reference the records are held to: the file read line by line. */
function countLines(bytes: Buffer, year: number): EventCounts {
  const reader = new LogEventReader(year);
  const out: EventCounts = {};
  for (const line of bytes.toString('utf8').split('\n')) {
    const event = reader.read(line);
    if (!event) continue;
    const at = new Date(event.timeMs).toISOString();
    const seen = out[event.kind];
    if (!seen) out[event.kind] = { count: 1, first: at, last: at };
    else {
      seen.count += 1;
      if (at < seen.first) seen.first = at;
      if (at > seen.last) seen.last = at;
    }
  }
  return out;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe.each(['none', 'gzip'] as const)('archiving real Redis logs (compression %s)', (compression) => {
  let captured: CapturedRedisLogs;
  let sim: DcsSimulator;
  let store: BucketStore;
  let configPath: string;
  let env: Record<string, string>;
  let logs: SimLog[];
  const outputs: CliResult[] = [];

  beforeAll(async () => {
    captured = await captureRedisLogs();
    sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK }, linkSecret: TEST_LINK_SECRET });
    const instance = sim.addInstance(TEST_PROJECT_ID, { id: 'orders-cache', name: 'orders-cache', cacheMode: 'ha' });
    const [first, second] = [instance.replicas[0]!, instance.replicas[1]!];
    logs = [
      sim.addLog(TEST_PROJECT_ID, instance.id, { replicationIp: first.ip, groupName: first.groupName, date: DAY, content: captured.logs.master }),
      sim.addLog(TEST_PROJECT_ID, instance.id, { replicationIp: second.ip, groupName: second.groupName, date: DAY, content: captured.logs.replica }),
      // Generated text, in the real format, on an older day.
      sim.addLog(TEST_PROJECT_ID, instance.id, { replicationIp: first.ip, groupName: first.groupName, date: dayBefore(2), size: 300_000 }),
    ];
    const t = s3Target();
    const prefix = uniquePrefix(`e2e-redis-events-${compression}`);
    store = createS3Store({ bucket: t.bucket, prefix, endpoint: t.endpoint, region: t.region, forcePathStyle: t.forcePathStyle, credentials: { accessKeyId: t.accessKeyId, secretAccessKey: t.secretAccessKey } });
    env = { AWS_ACCESS_KEY_ID: t.accessKeyId, AWS_SECRET_ACCESS_KEY: t.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true' };
    configPath = join(await mkdtemp(join(tmpdir(), 'archiver-redis-events-')), 'config.yaml');
    await writeFile(
      configPath,
      JSON.stringify({
        dcs: { endpoint: sim.endpoint, projectId: TEST_PROJECT_ID, allowHttp: true },
        instances: [{ id: instance.id, name: 'orders-cache' }],
        collect: { enabled: false },
        archive: { compression },
        destination: { url: `s3://${t.bucket}/${prefix}`, endpoint: t.endpoint, region: t.region, forcePathStyle: t.forcePathStyle },
      }),
    );
  }, 120_000);

  afterAll(async () => {
    await sim?.close();
    await store?.close();
    await captured?.remove();
    for (const output of outputs) expect(leakedSecrets(output.stdout + output.stderr, sim.issuedLinks)).toEqual([]);
  });

  const archive = async () => {
    const result = await runCli(['archive', '--config', configPath], simEnv(env));
    outputs.push(result);
    return result;
  };

  it('writes into each record the events the line-by-line reader finds in the same bytes', async () => {
    const result = await archive();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const manifest = JSON.parse((await store.get(`manifests/${logs[0]!.instanceId}.json`))!.body.toString()) as { entries: Array<{ logId: string; events?: EventCounts }> };
    for (const log of logs) {
      const source = await readAll(sim.content(log.id));
      const expected = countLines(source, Number(log.date.slice(0, 4)));
      const record = JSON.parse((await store.get(`records/${log.instanceId}/${log.date}/${log.fileName}.json`))!.body.toString());
      expect(record.events, log.fileName).toEqual(expected);
      expect(manifest.entries.find((e) => e.logId === log.id)?.events).toEqual(expected);
    }
    // Not vacuous: the real logs hold what the scenario caused.
    const [master, replica] = logs as [SimLog, SimLog];
    const recordOf = async (log: SimLog) => JSON.parse((await store.get(`records/${log.instanceId}/${log.date}/${log.fileName}.json`))!.body.toString()).events as EventCounts;
    expect(Object.keys(await recordOf(master))).toEqual(expect.arrayContaining(['startup', 'shutdown', 'rdb-save-started', 'aof-rewrite-finished', 'latency-warning', 'memory-warning', 'role-change', 'replica-sync-failed']));
    expect(Object.keys(await recordOf(replica))).toEqual(expect.arrayContaining(['startup', 'shutdown', 'config-rewrite', 'replica-sync-succeeded', 'rdb-save-failed']));
    const watchdog = captured.actions.find((a) => a.name.startsWith('DEBUG SLEEP'))!;
    const latency = (await recordOf(master))['latency-warning']!;
    expect(Date.parse(latency.first)).toBeGreaterThanOrEqual(Math.floor(watchdog.startMs / 1000) * 1000);
    expect(Date.parse(latency.last)).toBeLessThanOrEqual(watchdog.endMs);
  });

  it('uploads nothing on a second pass, and leaves the records as they were', async () => {
    const key = `records/${logs[0]!.instanceId}/${logs[0]!.date}/${logs[0]!.fileName}.json`;
    const before = (await store.get(key))!.body.toString();
    sim.resetRequests();
    const result = await archive();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(sim.requests.filter((r) => r.op === 'download' || r.op === 'link')).toEqual([]);
    expect(result.lines.at(-1)).toMatchObject({ msg: 'pass finished', result: 'ok', archived: 0 });
    expect((await store.get(key))!.body.toString()).toBe(before);
  });
});
