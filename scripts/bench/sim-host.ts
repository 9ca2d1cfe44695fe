/**
 * The DCS simulator, in the bench's own process: the archiver runs as a child, so the
 * simulator's CPU and memory are never counted as the archiver's.
 */
import { randomBytes } from 'node:crypto';
import { addDays } from '../../sim/calendar.js';
import { DcsSimulator, type SimInstance, type SimLog } from '../../sim/index.js';

export const PROJECT_ID = 'b3c4e5f60718293a4b5c6d7e8f901234';
/**
 * One content seed for every log: the simulator builds a ~1 MiB template per (seed, day) at
 * ~15 ms of CPU and caches eight, so distinct seeds would make it spend tens of CPU seconds
 * during a fleet pass, on the machine the archiver is measured on. The bytes of a log stay
 * what they are; only files of the same day share them.
 */
const CONTENT_SEED = 0x5eed;

export interface SimHost {
  sim: DcsSimulator;
  ak: string;
  sk: string;
  projectId: string;
  /** The closed day `back` days before the simulator's today. */
  day(back: number): string;
  /** Instances with `replicas` replicas each (1 = single-node) and one log per replica per day. */
  addFleet(spec: FleetSpec): { instances: SimInstance[]; logs: SimLog[] };
  /** DCS requests since the last reset, by operation. */
  callsByOp(): Record<string, number>;
}

export interface FleetSpec {
  name: string;
  instances: number;
  replicas: 1 | 2;
  days: number;
  bytes: number;
}

export async function startSim(latencyMs: number): Promise<SimHost> {
  // Throwaway credentials of this simulator only.
  const ak = `BENCH${randomBytes(8).toString('hex').toUpperCase()}`;
  const sk = randomBytes(24).toString('base64url');
  const sim = await DcsSimulator.start({ credentials: { ak, sk }, apiLatencyMs: latencyMs, downloadFirstByteLatencyMs: latencyMs });
  const day = (back: number) => addDays(sim.today(), -back);
  return {
    sim,
    ak,
    sk,
    projectId: PROJECT_ID,
    day,
    addFleet(spec) {
      const instances: SimInstance[] = [];
      const logs: SimLog[] = [];
      for (let i = 0; i < spec.instances; i++) {
        const instance = sim.addInstance(PROJECT_ID, { name: `${spec.name}-${i}`, cacheMode: spec.replicas === 1 ? 'single' : 'ha' });
        instances.push(instance);
        for (const replica of instance.replicas) {
          for (let back = spec.days; back >= 1; back--) {
            logs.push(sim.addLog(PROJECT_ID, instance.id, { replicationIp: replica.ip, groupName: replica.groupName, date: day(back), size: spec.bytes, seed: CONTENT_SEED }));
          }
        }
      }
      return { instances, logs };
    },
    callsByOp() {
      const counts: Record<string, number> = {};
      for (const r of sim.requests) counts[r.op] = (counts[r.op] ?? 0) + 1;
      return counts;
    },
  };
}
