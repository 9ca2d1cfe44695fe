import type { Config, InstanceRef } from '../config/schema.js';
import type { DcsApi, InstanceInfo } from '../dcs/types.js';
import { ConfigError, failureKind } from '../errors.js';
import { inShard, type Shard } from './shard.js';

/**
 * Which instances a command works on, the same way for `archive`, `coverage` and `verify`: the
 * configured ones and the discovered ones of every project, narrowed by `--instance` and the
 * shard.
 */

/** One DCS project (or region) of a pass: its client and how its instances are chosen. */
export interface ProjectSource {
  dcs: DcsApi;
  instances: InstanceRef[];
  discover: Config['discover'];
}

/** Pure: which listed instances the discover filters select. */
export function selectDiscovered(listed: InstanceInfo[], filter: Config['discover']): InstanceRef[] {
  const pattern = filter.namePattern === null ? undefined : new RegExp(filter.namePattern);
  const excluded = new Set(filter.exclude);
  return listed
    .filter((instance) => !excluded.has(instance.id))
    .filter((instance) => filter.namePrefix === null || instance.name.startsWith(filter.namePrefix))
    .filter((instance) => pattern === undefined || pattern.test(instance.name))
    .filter((instance) => filter.status === null || instance.status === filter.status)
    .filter((instance) => Object.entries(filter.tags).every(([key, value]) => instance.tags[key] === value))
    .map((instance) => ({ id: instance.id, name: instance.name }));
}

/**
 * The instances of a pass: the configured ones, plus those discovered in the project, minus the
 * excluded; each once, configured names first.
 */
export async function resolveInstances(
  project: { dcs: DcsApi; instances: InstanceRef[]; discover: Config['discover'] },
  signal?: AbortSignal,
): Promise<InstanceRef[]> {
  const { discover } = project;
  const excluded = new Set(discover.exclude);
  const out = new Map<string, InstanceRef>();
  for (const instance of project.instances) if (!excluded.has(instance.id)) out.set(instance.id, instance);
  if (discover.enabled) {
    const listed = await project.dcs.listInstances(
      {
        ...(discover.status === null ? {} : { status: discover.status }),
        ...(Object.keys(discover.tags).length > 0 ? { tags: discover.tags } : {}),
      },
      signal,
    );
    for (const instance of selectDiscovered(listed, discover)) if (!out.has(instance.id)) out.set(instance.id, instance);
  }
  return [...out.values()];
}

/** An instance and the project it belongs to. */
export type Target<P extends { dcs: DcsApi } = ProjectSource> = InstanceRef & { project: P };

/**
 * The instances of every project, each once (the first project naming an instance keeps it).
 * A discovery that fails is told to `onDiscoveryError` and that project's configured instances
 * are kept; a fatal failure (bad credentials) is thrown.
 */
export async function resolveTargets<P extends { dcs: DcsApi; instances: InstanceRef[]; discover: Config['discover'] }>(
  projects: P[],
  onDiscoveryError: (project: P, error: unknown) => void,
  signal?: AbortSignal,
): Promise<Array<Target<P>>> {
  const targets: Array<Target<P>> = [];
  const seen = new Set<string>();
  for (const project of projects) {
    let found = project.instances;
    try {
      found = await resolveInstances(project, signal);
    } catch (error) {
      if (failureKind(error) === 'fatal') throw error;
      onDiscoveryError(project, error);
    }
    for (const instance of found) {
      if (seen.has(instance.id)) continue;
      seen.add(instance.id);
      targets.push({ ...instance, project });
    }
  }
  return targets;
}

/**
 * `--instance` (each an id or a name of a configured or discovered instance, in the order given),
 * then the shard. One that names no instance is a usage error: a mistyped id must not pass for
 * "nothing to do".
 */
export function selectTargets<P>(candidates: Array<InstanceRef & { project: P }>, options: { only?: string[] | undefined; shard?: Shard | undefined }): Array<InstanceRef & { project: P }> {
  const { only } = options;
  let chosen = candidates;
  if (only && only.length > 0) {
    const unknown = only.filter((wanted) => !candidates.some((target) => target.id === wanted || target.name === wanted));
    if (unknown.length > 0) {
      const known = candidates.slice(0, 5).map((t) => (t.name ? `${t.id} (${t.name})` : t.id));
      throw new ConfigError(
        '--instance',
        `${unknown.map((u) => JSON.stringify(u)).join(', ')} names no configured or discovered instance; allowed: an id or a name of ${candidates.length} instance(s)${known.length > 0 ? `, e.g. ${known.join(', ')}` : ''}`,
      );
    }
    const wanted = new Set(only);
    chosen = candidates.filter((target) => wanted.has(target.id) || (target.name !== undefined && wanted.has(target.name)));
  }
  return inShard(chosen, options.shard);
}

/**
 * Runs `work` for every target, each project's first target alone: if its credentials are
 * wrong, one request learns it, not a burst (five bad signatures in a row lock the access key
 * for five minutes). The others of the project start once the first calls `ready` (or ends).
 *
 * At most `open` targets are worked on at once, each project's first ones taken first; the
 * next starts when one ends. An instance holds its listing and records from its survey to its
 * close, so this bounds a pass's memory by `open`, not by the fleet. The I/O itself is bounded
 * by the pass's one limit, inside `work`; `open` only has to keep that limit busy.
 */
export async function inCanaryOrder<P, R>(targets: Array<InstanceRef & { project: P }>, work: (target: InstanceRef & { project: P }, ready: () => void) => Promise<R>, options: { open: number }): Promise<R[]> {
  const projects = new Set<P>();
  const firsts: number[] = [];
  const rest: number[] = [];
  for (const [index, target] of targets.entries()) {
    (projects.has(target.project) ? rest : firsts).push(index);
    projects.add(target.project);
  }
  const order = [...firsts, ...rest];
  const canaries = new Map<P, Promise<void>>();
  const results = new Array<R>(targets.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let at = next++; at < order.length; at = next++) {
      const index = order[at]!;
      const target = targets[index]!;
      const canary = canaries.get(target.project);
      if (canary) {
        await canary;
        results[index] = await work(target, () => undefined);
        continue;
      }
      let ready = () => {};
      canaries.set(target.project, new Promise<void>((resolve) => (ready = resolve)));
      results[index] = await work(target, ready).finally(ready);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.open, targets.length)) }, lane));
  return results;
}
