/**
 * The simulated fleet: projects, instances, replicas and their run-log items, with the two rules
 * that make DCS awkward to archive from: collection creates new, not-yet-ready items (today's is
 * partial), and items older than seven days vanish.
 */
import { createHash } from 'node:crypto';
import { addDays, daysBetween, isIsoDate, zonedNow } from './calendar.js';
import { seedFrom } from './prng.js';
import type { SimCacheMode, SimInstance, SimInstanceSpec, SimLog, SimLogSpec, SimReplica } from './types.js';

/** DCS keeps run logs this many days before today. */
export const RETENTION_DAYS = 7;
export const DEFAULT_DAILY_BYTES = 64 * 1024;

export interface StoredLog extends SimLog {
  /** The status once ready; `status` is only the value at creation. */
  finalStatus: string;
  /** Sim-clock time from which the item shows `finalStatus` instead of `creating`. */
  readyAt: number;
  /** null = the field is omitted from answers. */
  backupId: string | null;
  /** Served verbatim instead of the generated template. */
  content?: Buffer;
}

export type Entry = { kind: 'log'; log: StoredLog } | { kind: 'raw'; item: unknown };

export interface StoredInstance {
  info: SimInstance;
  specCode: string;
  dailyBytes: number;
  createdAt: number;
  /** Listing order: oldest first, raw items where they were added. */
  entries: Entry[];
  groupIds: Map<string, string>;
  network: number;
  nextHost: number;
}

const SPEC_CODES: Record<SimCacheMode, string> = {
  single: 'redis.single.xu1.large.2',
  ha: 'redis.ha.xu1.large.r2.2',
  ha_rw_split: 'redis.ha.xu1.large.p2.2',
  proxy: 'redis.proxy.xu1.large.4',
  cluster: 'redis.cluster.xu1.large.shard.4',
};

export class SimState {
  private readonly projects = new Map<string, Map<string, StoredInstance>>();
  private readonly logIndex = new Map<string, StoredLog>();
  private readonly usedIds = new Set<string>();
  private counter = 0;
  private networks = 0;

  constructor(
    private readonly now: () => number,
    private readonly timeZone: string,
    private readonly collectDelayMs: number,
  ) {}

  /** UUID-shaped and deterministic, so two runs of a test see the same ids. */
  private newId(kind: string, compact = false): string {
    for (;;) {
      const h = createHash('sha256').update(`${kind}:${++this.counter}`).digest('hex');
      const id = compact
        ? h.slice(0, 32)
        : `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
      if (!this.usedIds.has(id)) {
        this.usedIds.add(id);
        return id;
      }
    }
  }

  private claimId(id: string, what: string): string {
    if (this.usedIds.has(id)) throw new Error(`sim: ${what} id ${id} is already in use`);
    this.usedIds.add(id);
    return id;
  }

  today(): string {
    return zonedNow(this.now(), this.timeZone).date;
  }

  addInstance(projectId: string, spec: SimInstanceSpec): SimInstance {
    const cacheMode = spec.cacheMode ?? 'ha';
    const id = spec.id === undefined ? this.newId('instance') : this.claimId(spec.id, 'instance');
    const sharded = cacheMode === 'cluster' || cacheMode === 'proxy';
    const shards = sharded ? (spec.shards ?? 3) : 1;
    const perShard = cacheMode === 'single' ? 1 : (spec.replicasPerShard ?? 2);
    if (!Number.isInteger(shards) || shards < 1) throw new Error(`sim: shards must be a positive integer, got ${shards}`);
    if (!Number.isInteger(perShard) || perShard < 1) throw new Error(`sim: replicasPerShard must be a positive integer, got ${perShard}`);
    const stored: StoredInstance = {
      info: {
        projectId,
        id,
        name: spec.name,
        cacheMode,
        status: spec.status ?? 'RUNNING',
        tags: { ...(spec.tags ?? {}) },
        engineVersion: spec.engineVersion ?? '5.0',
        replicas: [],
      },
      specCode: SPEC_CODES[cacheMode],
      dailyBytes: spec.dailyBytes ?? DEFAULT_DAILY_BYTES,
      createdAt: spec.createdAt ?? this.now() - 30 * 86_400_000,
      entries: [],
      groupIds: new Map(),
      network: this.networks++,
      nextHost: 10,
    };
    let project = this.projects.get(projectId);
    if (!project) {
      project = new Map();
      this.projects.set(projectId, project);
    }
    project.set(id, stored);
    for (let shard = 0; shard < shards; shard++) {
      for (let r = 0; r < perShard; r++) this.createReplica(stored, `group-${shard}`);
    }
    return structuredClone(stored.info);
  }

  private createReplica(instance: StoredInstance, groupName: string): SimReplica {
    if (!instance.groupIds.has(groupName)) instance.groupIds.set(groupName, this.newId('group'));
    const hasMaster = instance.info.replicas.some((r) => r.groupName === groupName && r.role === 'master');
    const n = instance.network;
    const replica: SimReplica = {
      id: this.newId('replica'),
      ip: `10.${(n >> 8) & 255}.${n & 255}.${instance.nextHost++}`,
      groupName,
      role: hasMaster ? 'slave' : 'master',
      active: true,
      nodeId: this.newId('node', true),
    };
    instance.info.replicas.push(replica);
    return replica;
  }

  instance(projectId: string, instanceId: string): StoredInstance | undefined {
    return this.projects.get(projectId)?.get(instanceId);
  }

  instances(projectId: string): StoredInstance[] {
    return [...(this.projects.get(projectId)?.values() ?? [])];
  }

  private mustInstance(projectId: string, instanceId: string): StoredInstance {
    const found = this.instance(projectId, instanceId);
    if (!found) throw new Error(`sim: no instance ${instanceId} in project ${projectId}`);
    return found;
  }

  addLog(projectId: string, instanceId: string, spec: SimLogSpec): SimLog {
    const instance = this.mustInstance(projectId, instanceId);
    if (!isIsoDate(spec.date)) throw new Error(`sim: log date must be yyyy-MM-dd, got ${spec.date}`);
    const size = spec.size ?? spec.content?.length;
    if (size === undefined || !Number.isSafeInteger(size) || size < 0) throw new Error(`sim: log size must be a non-negative integer, got ${spec.size}`);
    if (spec.content && size !== spec.content.length) throw new Error(`sim: log size ${size} differs from its content's ${spec.content.length} bytes`);
    const id = spec.id === undefined ? this.newId('log') : this.claimId(spec.id, 'log');
    const status = spec.status ?? 'succeed';
    const createdAt = this.now();
    const log: StoredLog = {
      id,
      projectId,
      instanceId,
      fileName: spec.fileName ?? `redis_${spec.replicationIp}_${spec.date}.log`,
      groupName: spec.groupName,
      replicationIp: spec.replicationIp,
      date: spec.date,
      status,
      size,
      seed: spec.seed ?? seedFrom(id),
      createdAt,
      finalStatus: status,
      readyAt: createdAt,
      backupId: spec.backupId === undefined ? this.newId('backup') : spec.backupId,
      ...(spec.content ? { content: spec.content } : {}),
    };
    instance.entries.push({ kind: 'log', log });
    this.logIndex.set(id, log);
    return this.publicLog(log);
  }

  addRawItem(projectId: string, instanceId: string, item: unknown): void {
    this.mustInstance(projectId, instanceId).entries.push({ kind: 'raw', item });
  }

  statusOf(log: StoredLog): string {
    return this.now() < log.readyAt ? 'creating' : log.finalStatus;
  }

  /** Retention counts calendar days in the sim's zone: dated today-7 is still there, today-8 is gone. */
  isRetained(log: StoredLog): boolean {
    return daysBetween(log.date, this.today()) <= RETENTION_DAYS;
  }

  visibleEntries(projectId: string, instanceId: string): Entry[] {
    return (this.instance(projectId, instanceId)?.entries ?? []).filter((e) => e.kind === 'raw' || this.isRetained(e.log));
  }

  publicLog(log: StoredLog): SimLog {
    return {
      id: log.id,
      projectId: log.projectId,
      instanceId: log.instanceId,
      fileName: log.fileName,
      groupName: log.groupName,
      replicationIp: log.replicationIp,
      date: log.date,
      status: this.statusOf(log),
      size: log.size,
      seed: log.seed,
      createdAt: log.createdAt,
    };
  }

  logs(projectId: string, instanceId: string): SimLog[] {
    return this.visibleEntries(projectId, instanceId).flatMap((e) => (e.kind === 'log' ? [this.publicLog(e.log)] : []));
  }

  /** Any log ever created, retained or not (links and content outlive the listing). */
  findLog(logId: string): StoredLog | undefined {
    return this.logIndex.get(logId);
  }

  /**
   * One new item per day from today-period through today for the replica. A closed day holds the
   * full `dailyBytes`; today holds what has been written so far, so a later collection of the same
   * day yields a new id with more bytes (the same seed keeps the shorter file a prefix).
   */
  collect(projectId: string, instanceId: string, period: number, replica: SimReplica): SimLog[] {
    const instance = this.mustInstance(projectId, instanceId);
    const { date: today, fractionOfDay } = zonedNow(this.now(), this.timeZone);
    const firstDay = zonedNow(instance.createdAt, this.timeZone).date;
    const created: SimLog[] = [];
    for (let back = period; back >= 0; back--) {
      const date = addDays(today, -back);
      if (date < firstDay) continue;
      const size = back === 0 ? Math.max(1, Math.floor(instance.dailyBytes * fractionOfDay)) : instance.dailyBytes;
      const log = this.addLog(projectId, instanceId, {
        replicationIp: replica.ip,
        groupName: replica.groupName,
        date,
        size,
        seed: seedFrom(`${instanceId}/${replica.id}/${date}`),
      });
      const stored = this.logIndex.get(log.id);
      if (stored) stored.readyAt = stored.createdAt + this.collectDelayMs;
      created.push(stored ? this.publicLog(stored) : log);
    }
    return created;
  }

  setReplicaActive(projectId: string, instanceId: string, replicaId: string, active: boolean): void {
    const replica = this.mustInstance(projectId, instanceId).info.replicas.find((r) => r.id === replicaId);
    if (!replica) throw new Error(`sim: no replica ${replicaId} in instance ${instanceId}`);
    replica.active = active;
  }

  addReplica(projectId: string, instanceId: string, groupName: string): SimReplica {
    return { ...this.createReplica(this.mustInstance(projectId, instanceId), groupName) };
  }

  /** The replica's existing log items stay: DCS keeps files of nodes that were replaced. */
  removeReplica(projectId: string, instanceId: string, replicaId: string): void {
    const instance = this.mustInstance(projectId, instanceId);
    const index = instance.info.replicas.findIndex((r) => r.id === replicaId);
    if (index === -1) throw new Error(`sim: no replica ${replicaId} in instance ${instanceId}`);
    instance.info.replicas.splice(index, 1);
  }
}
