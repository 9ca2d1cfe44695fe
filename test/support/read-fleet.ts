/**
 * An archive to read back, made the way users make it: the built CLI archives named instances
 * from the DCS simulator into a destination, and the simulator's own bytes of every file are
 * kept (written into a directory too, for plain grep to read) as the truth to compare with.
 */
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DcsSimulator, type SimLog } from '../../sim/index.js';
import { runCli, simEnv } from './cli.js';
import { dayBefore } from './days.js';
import { TEST_AK, TEST_LINK_SECRET, TEST_PROJECT_ID, TEST_SK } from './secrets.js';

export const READ_A = { id: 'inst-read-a', name: 'orders-cache' };
export const READ_B = { id: 'inst-read-b', name: 'sessions-cache' };

export interface SourceFile {
  log: SimLog;
  bytes: Buffer;
  /** The source bytes as a file, for grep. */
  path: string;
}

export interface ReadFleet {
  files: SourceFile[];
  /** The directory holding the source files: `{instanceId}/{replicationIp}/{date}.log`. */
  sourceDir: string;
}

/**
 * Two named instances (one single-node, one with two replicas), three closed days each, sizes
 * from empty to 2 MiB (past one content template, so the day's clock starts over inside the file,
 * and ending mid-line).
 */
export async function archiveReadFleet(destination: Record<string, unknown>, env: Record<string, string>, archive: Record<string, unknown> = {}): Promise<ReadFleet> {
  const sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK }, linkSecret: TEST_LINK_SECRET });
  try {
    const a = sim.addInstance(TEST_PROJECT_ID, { ...READ_A, cacheMode: 'single' });
    const b = sim.addInstance(TEST_PROJECT_ID, { ...READ_B, cacheMode: 'ha', replicasPerShard: 2 });
    const sizes = [2 * 1024 * 1024 + 77, 1024, 0, 70_001, 5, 333_333, 4096, 12_345, 99];
    const logs: SimLog[] = [];
    let n = 0;
    for (const instance of [a, b]) {
      for (const replica of instance.replicas) {
        for (const days of [1, 2, 3]) {
          logs.push(sim.addLog(TEST_PROJECT_ID, instance.id, { replicationIp: replica.ip, groupName: replica.groupName, date: dayBefore(days), size: sizes[n++ % sizes.length]! }));
        }
      }
    }
    const sourceDir = await mkdtemp(join(tmpdir(), 'archiver-read-source-'));
    const files: SourceFile[] = [];
    for (const log of logs) {
      const chunks: Buffer[] = [];
      for await (const chunk of sim.content(log.id) as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
      const path = join(sourceDir, log.instanceId, log.replicationIp, `${log.date}.log`);
      await mkdir(join(sourceDir, log.instanceId, log.replicationIp), { recursive: true });
      const bytes = Buffer.concat(chunks);
      await writeFile(path, bytes);
      files.push({ log, bytes, path });
    }
    const dir = await mkdtemp(join(tmpdir(), 'archiver-read-config-'));
    const configPath = join(dir, 'config.json');
    const config = {
      dcs: { endpoint: sim.endpoint, projectId: TEST_PROJECT_ID, allowHttp: true, retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 } },
      instances: [READ_A, READ_B],
      collect: { enabled: false },
      archive: { concurrency: 4, ...archive },
      destination,
    };
    await writeFile(configPath, JSON.stringify(config));
    const result = await runCli(['archive', '--config', configPath], simEnv(env));
    if (result.code !== 0) throw new Error(`the archive pass that makes the fixture failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
    return { files, sourceDir };
  } finally {
    await sim.close();
  }
}
