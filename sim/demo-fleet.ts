/**
 * A small, believable fleet for trying the archiver by hand (`npm run sim`) and for
 * `npm run demo`: one instance of each common shape, three closed days of logs per replica.
 */
import { addDays, zonedNow } from './calendar.js';
import { mulberry32, pick } from './prng.js';
import type { DcsSimulator } from './server.js';
import type { SimInstance, SimInstanceSpec, SimLog } from './types.js';

export interface DemoFleet {
  instances: SimInstance[];
  logs: SimLog[];
}

const DEMO_INSTANCES: SimInstanceSpec[] = [
  { name: 'orders-cache', cacheMode: 'cluster', shards: 3, replicasPerShard: 2, tags: { env: 'prod', team: 'orders' }, engineVersion: '6.0' },
  { name: 'sessions-cache', cacheMode: 'ha', tags: { env: 'prod', team: 'identity' }, engineVersion: '5.0' },
  { name: 'dev-scratch', cacheMode: 'single', tags: { env: 'dev' }, engineVersion: '5.0' },
];

/** From an empty day (a quiet replica) to a few hundred KiB; the first file is always empty so the demo shows one. */
const SIZES = [0, 733, 4_096, 18_500, 65_536, 140_000, 262_144, 390_000];

/** Adds the demo instances and, for each replica, logs dated the three closed days before `now`. */
export function seedDemoFleet(sim: DcsSimulator, projectId: string, now: number, timeZone = 'UTC'): DemoFleet {
  const random = mulberry32(0xdc5);
  const today = zonedNow(now, timeZone).date;
  const instances: SimInstance[] = [];
  const logs: SimLog[] = [];
  for (const spec of DEMO_INSTANCES) {
    const instance = sim.addInstance(projectId, spec);
    instances.push(instance);
    for (const replica of instance.replicas) {
      for (let back = 3; back >= 1; back--) {
        const size = logs.length === 0 ? 0 : pick(random, SIZES);
        logs.push(
          sim.addLog(projectId, instance.id, {
            replicationIp: replica.ip,
            groupName: replica.groupName,
            date: addDays(today, -back),
            size,
          }),
        );
      }
    }
  }
  return { instances, logs };
}
