/**
 * A bucket state made the way users make it: the built CLI archives a small fleet from the DCS
 * simulator into a destination. Tests then damage a copy and audit it.
 */
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DcsSimulator, type SimLog } from '../../sim/index.js';
import { runCli, simEnv, type CliResult } from './cli.js';
import { dayBefore } from './days.js';
import { TEST_AK, TEST_LINK_SECRET, TEST_PROJECT_ID, TEST_SK } from './secrets.js';

export { dayBefore };

export const INSTANCE_A = 'inst-a';
export const INSTANCE_B = 'inst-b';

export interface ArchivedFleet {
  logs: SimLog[];
  result: CliResult;
}

/**
 * Archives two instances (one single-node, one with two replicas), three closed days each,
 * sizes from empty to 2 MiB, into `destination` (the config's `destination` section).
 */
export async function archiveFleet(destination: Record<string, unknown>, env: Record<string, string> = {}, archive: Record<string, unknown> = {}): Promise<ArchivedFleet> {
  const sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK }, linkSecret: TEST_LINK_SECRET });
  try {
    const logs: SimLog[] = [];
    const a = sim.addInstance(TEST_PROJECT_ID, { id: INSTANCE_A, name: 'cache-a', cacheMode: 'single' });
    const b = sim.addInstance(TEST_PROJECT_ID, { id: INSTANCE_B, name: 'cache-b', cacheMode: 'ha', replicasPerShard: 2 });
    const sizes = [0, 1024, 2 * 1024 * 1024, 70_001, 5, 333_333, 4096, 12_345, 99];
    let n = 0;
    for (const instance of [a, b]) {
      for (const replica of instance.replicas) {
        for (const days of [1, 2, 3]) {
          const size = sizes[n++ % sizes.length]!;
          logs.push(sim.addLog(TEST_PROJECT_ID, instance.id, { replicationIp: replica.ip, groupName: replica.groupName, date: dayBefore(days), size }));
        }
      }
    }
    const dir = await mkdtemp(join(tmpdir(), 'archiver-verify-config-'));
    const configPath = join(dir, 'config.json');
    const config = {
      dcs: { endpoint: sim.endpoint, projectId: TEST_PROJECT_ID, allowHttp: true, retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 } },
      instances: [INSTANCE_A, INSTANCE_B],
      collect: { enabled: false },
      archive: { concurrency: 4, ...archive },
      destination,
    };
    await writeFile(configPath, JSON.stringify(config));
    const result = await runCli(['archive', '--config', configPath], simEnv(env));
    if (result.code !== 0) throw new Error(`the archive pass that makes the fixture failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
    return { logs, result };
  } finally {
    await sim.close();
  }
}
