import type { Config, InstanceRef } from './config/schema.js';
import type { DcsApi, InstanceInfo } from './dcs/types.js';
import { failureKind } from './errors.js';

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
export type Target<P extends { dcs: DcsApi }> = InstanceRef & { project: P };

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
