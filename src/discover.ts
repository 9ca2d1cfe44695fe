import type { Config, InstanceRef } from './config/schema.js';
import type { DcsApi, InstanceInfo } from './dcs/types.js';

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
export async function resolveInstances(config: Config, dcs: DcsApi, signal?: AbortSignal): Promise<InstanceRef[]> {
  const excluded = new Set(config.discover.exclude);
  const out = new Map<string, InstanceRef>();
  for (const instance of config.instances) if (!excluded.has(instance.id)) out.set(instance.id, instance);
  if (config.discover.enabled) {
    const listed = await dcs.listInstances(
      {
        ...(config.discover.status === null ? {} : { status: config.discover.status }),
        ...(Object.keys(config.discover.tags).length > 0 ? { tags: config.discover.tags } : {}),
      },
      signal,
    );
    for (const instance of selectDiscovered(listed, config.discover)) if (!out.has(instance.id)) out.set(instance.id, instance);
  }
  return [...out.values()];
}
