/**
 * The `events` command end to end: the built CLI archives the real logs of a redis-server master
 * and replica (test/support/redis-logs.ts) from the simulator into a directory, then reads the
 * events back: the summary must equal the classifier run over the same source bytes, the
 * timeline must hold what each action caused at its time, and --kind must narrow both.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DcsSimulator, type SimLog } from '../../sim/index.js';
import type { SummaryRow } from '../../src/read/event-summary.js';
import { EVENT_KINDS, LogEventReader, type RedisEventKind } from '../../src/redis-log/events.js';
import { leakedSecrets, runCli, simEnv, type CliResult } from '../support/cli.js';
import { dayBefore } from '../support/days.js';
import { captureRedisLogs, type CapturedRedisLogs, type RedisNode } from '../support/redis-logs.js';
import { TEST_AK, TEST_LINK_SECRET, TEST_PROJECT_ID, TEST_SK } from '../support/secrets.js';

const DAY = dayBefore(1);

interface EventJson {
  instanceId: string;
  instanceName: string | null;
  replicationIp: string;
  date: string;
  fileName: string;
  time: string;
  kind: RedisEventKind;
  message: string;
}

/** The reference: the source file read line by line with the classifier. */
function sourceEvents(bytes: Buffer, year: number): Array<{ kind: RedisEventKind; time: string; message: string }> {
  const reader = new LogEventReader(year);
  const out: Array<{ kind: RedisEventKind; time: string; message: string }> = [];
  for (const line of bytes.toString('utf8').split('\n')) {
    const event = reader.read(line);
    if (event) out.push({ kind: event.kind, time: new Date(event.timeMs).toISOString(), message: event.message });
  }
  return out;
}

function rowsOf(instanceId: string, replicationIp: string, events: ReturnType<typeof sourceEvents>): SummaryRow[] {
  return EVENT_KINDS.flatMap((kind) => {
    const times = events.filter((e) => e.kind === kind).map((e) => e.time).sort();
    return times.length === 0 ? [] : [{ instanceId, instanceName: 'orders-cache', replicationIp, kind, count: times.length, first: times[0]!, last: times.at(-1)! }];
  });
}

describe('events through the built CLI, over real Redis logs', () => {
  let captured: CapturedRedisLogs;
  let sim: DcsSimulator;
  let configPath: string;
  let root: string;
  let logs: Record<RedisNode, SimLog>;
  const outputs: CliResult[] = [];

  const cli = async (...args: string[]) => {
    const result = await runCli([...args, '--config', configPath], simEnv({ AWS_EC2_METADATA_DISABLED: 'true' }));
    outputs.push(result);
    return result;
  };
  const jsonLines = (result: CliResult) => result.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as EventJson);

  beforeAll(async () => {
    captured = await captureRedisLogs();
    sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK }, linkSecret: TEST_LINK_SECRET });
    const instance = sim.addInstance(TEST_PROJECT_ID, { id: 'orders-cache-id', name: 'orders-cache', cacheMode: 'ha' });
    const [first, second] = [instance.replicas[0]!, instance.replicas[1]!];
    logs = {
      master: sim.addLog(TEST_PROJECT_ID, instance.id, { replicationIp: first.ip, groupName: first.groupName, date: DAY, content: captured.logs.master }),
      replica: sim.addLog(TEST_PROJECT_ID, instance.id, { replicationIp: second.ip, groupName: second.groupName, date: DAY, content: captured.logs.replica }),
    };
    const dir = await mkdtemp(join(tmpdir(), 'archiver-events-cmd-'));
    root = join(dir, 'bucket');
    configPath = join(dir, 'config.yaml');
    await writeFile(
      configPath,
      JSON.stringify({
        dcs: { endpoint: sim.endpoint, projectId: TEST_PROJECT_ID, allowHttp: true },
        instances: [{ id: instance.id, name: 'orders-cache' }],
        collect: { enabled: false },
        archive: { compression: 'gzip' },
        destination: { url: `file://${root}/` },
      }),
    );
    const archived = await cli('archive');
    expect(archived.code, archived.stdout + archived.stderr).toBe(0);
  }, 180_000);

  afterAll(async () => {
    await sim?.close();
    await captured?.remove();
    for (const output of outputs) expect(leakedSecrets(output.stdout + output.stderr, sim.issuedLinks)).toEqual([]);
  });

  const expectedRows = () =>
    (['master', 'replica'] as const)
      .flatMap((node) => rowsOf(logs[node].instanceId, logs[node].replicationIp, sourceEvents(captured.logs[node], Number(DAY.slice(0, 4)))))
      .sort((a, b) => a.replicationIp.localeCompare(b.replicationIp) || EVENT_KINDS.indexOf(a.kind) - EVENT_KINDS.indexOf(b.kind));

  it('summarises per instance, replica and kind exactly what the classifier finds in the source files', async () => {
    const result = await cli('events', '--summary', '--json');
    expect(result.code, result.stderr).toBe(0);
    const { events } = JSON.parse(result.stdout) as { events: SummaryRow[] };
    expect(events).toEqual(expectedRows());
    // Not vacuous: the real logs hold what the scenario caused.
    expect(events.map((row) => row.kind)).toEqual(expect.arrayContaining(['startup', 'shutdown', 'rdb-save-started', 'aof-rewrite-finished', 'latency-warning', 'memory-warning', 'role-change', 'replica-sync-failed', 'config-rewrite', 'replica-sync-succeeded', 'rdb-save-failed']));
  });

  it('gives the same summary from the objects when a record carries no counts', async () => {
    // A record written before events were counted: its counts must come from its object.
    const recordPath = join(root, 'records', logs.master.instanceId, DAY, `${logs.master.fileName}.json`);
    const manifestPath = join(root, 'manifests', `${logs.master.instanceId}.json`);
    const record = JSON.parse(await readFile(recordPath, 'utf8'));
    delete record.events;
    await writeFile(recordPath, JSON.stringify(record));
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    for (const entry of manifest.entries) if (entry.logId === logs.master.id) delete entry.events;
    await writeFile(manifestPath, JSON.stringify(manifest));
    const result = await cli('events', '--summary', '--json');
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { events: SummaryRow[] }).events).toEqual(expectedRows());
  });

  it('prints the timeline, one JSON object per event, with what each action caused at its time', async () => {
    const result = await cli('events', '--json');
    expect(result.code, result.stderr).toBe(0);
    const events = jsonLines(result);
    for (const node of ['master', 'replica'] as const) {
      const own = events.filter((e) => e.replicationIp === logs[node].replicationIp);
      // Every event of the source file, in file order, with its message.
      expect(own.map(({ kind, time, message }) => ({ kind, time, message }))).toEqual(sourceEvents(captured.logs[node], Number(DAY.slice(0, 4))));
      expect(own.every((e) => e.instanceId === logs[node].instanceId && e.instanceName === 'orders-cache' && e.date === DAY && e.fileName === logs[node].fileName)).toBe(true);
    }
    for (const action of captured.actions) {
      const ip = logs[action.node].replicationIp;
      for (const kind of action.kinds) {
        const caused = events.filter((e) => e.replicationIp === ip && e.kind === kind && Date.parse(e.time) >= Math.floor(action.startMs / 1000) * 1000 && Date.parse(e.time) <= action.endMs);
        expect(caused.length, `${action.name} on the ${action.node}: ${kind}`).toBeGreaterThan(0);
      }
    }
    const text = await cli('events');
    expect(text.code, text.stderr).toBe(0);
    const first = events[0]!;
    expect(text.stdout.split('\n')[0]).toBe(`${first.time} orders-cache/${first.replicationIp} ${first.kind} ${first.message}`);
  });

  it('narrows the timeline and the summary with --kind, and refuses an unknown kind before reading', async () => {
    const narrowed = await cli('events', '--json', '--kind', 'rdb-save-started');
    expect(narrowed.code, narrowed.stderr).toBe(0);
    const events = jsonLines(narrowed);
    const expected = expectedRows().filter((row) => row.kind === 'rdb-save-started');
    expect(events.length).toBe(expected.reduce((sum, row) => sum + row.count, 0));
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.kind === 'rdb-save-started')).toBe(true);
    const summary = await cli('events', '--summary', '--json', '--kind', 'rdb-save-started');
    expect((JSON.parse(summary.stdout) as { events: SummaryRow[] }).events).toEqual(expected);

    // A destination that does not exist: reading anything would fail with exit 1, not 2.
    const refused = await cli('events', '--kind', 'rdb-save', '--set', `destination.url=file://${root}-missing/`);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--kind: \\"rdb-save\\" is no event kind; allowed: role-change, replica-sync-started');
    expect(refused.stderr).toContain('rdb-save-started');
  });

  it('names an object whose SHA-256 does not match its record, reads the rest, and exits 1', async () => {
    // Valid gzip of other bytes: only the hash can tell.
    const key = `${logs.replica.instanceId}/${DAY}/${logs.replica.fileName}.gz`;
    await writeFile(join(root, ...key.split('/')), gzipSync(Buffer.from('1:M 01 Jan 2026 00:00:00.000 * Redis is now ready to exit, bye bye\n')));
    const result = await cli('events', '--json');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`SHA-256 mismatch: ${key}`);
    const events = jsonLines(result);
    expect(events.filter((e) => e.replicationIp === logs.master.replicationIp).length).toBe(sourceEvents(captured.logs.master, Number(DAY.slice(0, 4))).length);
  });
});
