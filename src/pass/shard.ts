import { createHash } from 'node:crypto';
import { ConfigError } from '../errors.js';

export interface Shard {
  index: number;
  count: number;
}

/**
 * Which shard an instance belongs to: a hash of its id, so every process computes the same
 * partition with no coordination, and N shards cover every instance exactly once.
 */
export function shardOf(instanceId: string, count: number): number {
  return createHash('sha256').update(instanceId).digest().readUInt32BE(0) % count;
}

export function inShard<T extends { id: string }>(instances: T[], shard: Shard | undefined): T[] {
  return shard ? instances.filter((instance) => shardOf(instance.id, shard.count) === shard.index) : instances;
}

/** `I/N` with 0 ≤ I < N. */
export function parseShard(text: string, source: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index >= count) {
    throw new ConfigError(source, `got ${JSON.stringify(text)}; allowed: I/N with 0 <= I < N, e.g. 0/3`);
  }
  return { index, count };
}

/** Precedence: --shard, then ARCHIVER_SHARD, then JOB_COMPLETION_INDEX with sharding.count. */
export function resolveShard(flag: string | undefined, env: Record<string, string | undefined>, configuredCount: number | null): Shard | undefined {
  if (flag !== undefined) return parseShard(flag, '--shard');
  if (env.ARCHIVER_SHARD) return parseShard(env.ARCHIVER_SHARD, 'ARCHIVER_SHARD');
  if (configuredCount !== null) {
    const index = env.JOB_COMPLETION_INDEX;
    if (index === undefined) {
      throw new ConfigError('sharding.count', `is ${configuredCount} but JOB_COMPLETION_INDEX is not set; run as a Kubernetes Indexed Job, or pass --shard I/N`);
    }
    return parseShard(`${index}/${configuredCount}`, 'JOB_COMPLETION_INDEX');
  }
  return undefined;
}
