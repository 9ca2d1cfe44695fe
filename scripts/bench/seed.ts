/**
 * Writes an "already archived" state straight into the bucket, in the archiver's own shapes
 * (src/records/record.ts; keys from src/records/layout.ts), so the scale curve can start from a
 * steady state without thousands of archive passes. Per instance: one record per listed file,
 * then (a second later, so the manifest is newer than every record at the store's one-second
 * resolution) the manifest, holding those records plus older days' entries.
 *
 * Older days are dated before DCS's 7-day window (today − 8 and earlier) and exist only as
 * manifest entries: their record objects are not written. A steady-state pass never lists or
 * reads records that old (its records LIST starts at the window), and writing 29 × 1,000 of them
 * would take this Swift over ten minutes. Inside the window the state is the listed days' records.
 */
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { manifestKey, recordKey, recordPrefix } from '../../src/records/layout.js';
import { stampOf } from '../../src/records/book.js';
import { recordText, SCHEMA_VERSION, type ArchiveRecord, type Manifest } from '../../src/records/record.js';
import type { SimInstance, SimLog } from '../../sim/index.js';
import { inPool, type Bucket } from './bucket.js';
import type { SimHost } from './sim-host.js';

/** DCS keeps 7 days before today (dcs-api.md); the archiver reads records from there on. */
const WINDOW_DAYS = 7;

export interface SeedSpec {
  prefix: string;
  instances: SimInstance[];
  logs: SimLog[];
  /** Days of history per replica in the manifest: the listed days, then days before the window. */
  historyDays: number;
  /** Write the listed files' records (false: only rewrite the manifests). */
  records: boolean;
  concurrency: number;
}

export async function seedArchived(bucket: Bucket, host: SimHost, spec: SeedSpec): Promise<{ puts: number; ms: number }> {
  const started = performance.now();
  const byInstance = new Map<string, ArchiveRecord[]>();
  for (const log of spec.logs) {
    const record = recordFor(host, log, log.id, log.date, log.fileName, await host.sim.sha256(log.id));
    byInstance.set(log.instanceId, [...(byInstance.get(log.instanceId) ?? []), record]);
  }
  let puts = 0;
  const put = async (key: string, body: string) => {
    await bucket.client.send(new PutObjectCommand({ Bucket: bucket.bucket, Key: spec.prefix + key, Body: body, ContentType: 'application/json' }));
    puts++;
  };
  if (spec.records) {
    const all = [...byInstance.values()].flat();
    await inPool(all.length, spec.concurrency, (i) => {
      const r = all[i]!;
      return put(recordKey(r.instanceId, r.date, r.fileName), recordText(r));
    });
    await delay(1_100);
  }
  const instances = spec.instances;
  await inPool(instances.length, spec.concurrency, async (i) => {
    const instance = instances[i]!;
    const listed = byInstance.get(instance.id) ?? [];
    const listedDays = new Set(listed.map((r) => r.date)).size;
    const older: ArchiveRecord[] = [];
    for (const replica of instance.replicas) {
      for (let k = 1; k <= spec.historyDays - listedDays; k++) {
        const date = host.day(WINDOW_DAYS + k);
        older.push(recordFor(host, { instanceId: instance.id, groupName: replica.groupName, replicationIp: replica.ip, size: 2048 }, randomBytes(16).toString('hex'), date, `redis_${replica.ip}_${date}.log`, randomBytes(32).toString('hex')));
      }
    }
    // Each record's stamp, as the archiver's own manifests carry them (what vouches for a record).
    const recordStamps: Record<string, string> = {};
    {
      const listedRecords = await bucket.client.send(new ListObjectsV2Command({ Bucket: bucket.bucket, Prefix: `${spec.prefix}${recordPrefix(instance.id)}` }));
      for (const object of listedRecords.Contents ?? []) {
        const key = (object.Key ?? '').slice(spec.prefix.length);
        recordStamps[key] = stampOf({ size: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0), ...(object.ETag ? { version: object.ETag } : {}) });
      }
    }
    const manifest: Manifest = {
      schemaVersion: SCHEMA_VERSION,
      projectId: host.projectId,
      instanceId: instance.id,
      generatedAt: new Date().toISOString(),
      entries: [...older.reverse(), ...listed],
      recordStamps,
    };
    return put(manifestKey(instance.id), `${JSON.stringify(manifest, null, 1)}\n`);
  });
  return { puts, ms: performance.now() - started };
}

function recordFor(
  host: SimHost,
  log: Pick<SimLog, 'instanceId' | 'groupName' | 'replicationIp' | 'size'>,
  logId: string,
  date: string,
  fileName: string,
  sha256: string,
): ArchiveRecord {
  return {
    schemaVersion: SCHEMA_VERSION,
    projectId: host.projectId,
    instanceId: log.instanceId,
    logId,
    fileName,
    groupName: log.groupName,
    replicationIp: log.replicationIp,
    date,
    key: `${log.instanceId}/${date}/${fileName}`,
    bytes: log.size,
    storedBytes: log.size,
    sha256,
    compression: 'none',
    partial: false,
    // What the archiver itself writes when it did not collect the file (collect.enabled: false).
    complete: false,
    archivedAt: new Date().toISOString(),
    runId: 'bench-seed',
    knownLogIds: [],
  };
}
