/** The DCS API in our words. Nothing outside src/dcs knows the API's JSON, signing or paging. */

/** One run-log file as listed by DCS. All fields present: malformed items are reported apart. */
export interface RunLog {
  /** The `{id}` for the link call; a re-collection of the same day gets a new id. */
  id: string;
  fileName: string;
  groupName: string;
  replicationIp: string;
  /** `succeed`, `failed`, or anything else (= not ready yet). */
  status: string;
  /** The day the file covers, `yyyy-MM-dd`. */
  date: string;
  backupId?: string;
}

/** An item of the listing that could not be used, with why; `raw` is a short, secret-free excerpt. */
export interface MalformedItem {
  problem: string;
  raw: string;
}

export interface RunLogListing {
  logs: RunLog[];
  malformed: MalformedItem[];
  /** Pages fetched, for the report and the benchmarks. */
  pages: number;
  /**
   * Set when paging stopped before every item was known to be seen (the page cap, a server that
   * kept answering the same items, fewer items than it reported). Files beyond it were not seen:
   * the report should say so.
   */
  incomplete?: { reason: 'max-pages' | 'no-progress' | 'short'; message: string };
}

export interface Replica {
  id: string;
  ip: string;
  groupName: string;
  /** `master` or `slave` (as DCS says). */
  role: string;
  active: boolean;
}

export type CacheMode = 'single' | 'ha' | 'ha_rw_split' | 'proxy' | 'cluster';

export interface InstanceInfo {
  id: string;
  name: string;
  status: string;
  cacheMode?: string;
  engine?: string;
  engineVersion?: string;
  tags: Record<string, string>;
}

export interface InstanceFilter {
  name?: string;
  status?: string;
  /** `key=value` pairs, all of which must match. */
  tags?: Record<string, string>;
}

/** query_time of the collect call: 0 = today, 1, 3 or 7 = the last N days. */
export type CollectPeriod = 0 | 1 | 3 | 7;

export interface DcsApi {
  readonly projectId: string;
  listRunLogs(instanceId: string, signal?: AbortSignal): Promise<RunLogListing>;
  /** Triggers collection in the background; resolves on 204. */
  collectRunLogs(instanceId: string, period: CollectPeriod, replicationId?: string, signal?: AbortSignal): Promise<void>;
  /** A pre-signed, unsigned-GET URL valid ~24 h. A credential: never log it whole. */
  getDownloadLink(instanceId: string, logId: string, signal?: AbortSignal): Promise<string>;
  /** Replicas across all groups; an empty list for single-node instances. */
  listReplicas(instanceId: string, signal?: AbortSignal): Promise<Replica[]>;
  getInstance(instanceId: string, signal?: AbortSignal): Promise<InstanceInfo>;
  listInstances(filter?: InstanceFilter, signal?: AbortSignal): Promise<InstanceInfo[]>;
}
