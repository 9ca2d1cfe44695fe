/**
 * The simulator's public vocabulary. Other modules and tests code against exactly these names,
 * so additions are fine and renames are not.
 */

export interface SimCredentials {
  ak: string;
  sk: string;
  /** When set, every signed call must carry this value in `X-Security-Token` (temporary credentials). */
  securityToken?: string;
}

export interface SimOptions {
  /** The AK/SK the API accepts; every API call's signature is verified against them. */
  credentials: SimCredentials;
  /** An IAM token accepted in `X-Auth-Token` instead of signing. */
  authToken?: string;
  /** HMAC key for the download links' `Signature` (default: random per simulator). */
  linkSecret?: string;
  /** How this server interprets `offset` (default 0); real DCS documentation and examples disagree. */
  offsetBase?: 0 | 1;
  /** Epoch ms; the sim clock that drives signing skew, link expiry, collection and retention. */
  now?: () => number;
  /** Validity of issued download links (default 24 h, as DCS documents). */
  linkTtlMs?: number;
  /** Added (in real time) to every API call. */
  apiLatencyMs?: number;
  /** Real time before the first byte of a download. */
  downloadFirstByteLatencyMs?: number;
  /** 0 or undefined = unlimited. */
  downloadBytesPerSecond?: number;
  /** Sim-clock time until collected files turn `succeed` (default 0). */
  collectDelayMs?: number;
  /** IANA zone that defines "today" for collection and retention (default 'UTC'). */
  timeZone?: string;
  /** TCP port on 127.0.0.1 (default 0 = any free port); only the hand-run entry point sets it. */
  port?: number;
}

export type SimOp = 'list' | 'collect' | 'link' | 'groups' | 'instances' | 'instance' | 'download';

export type SimFaultKind =
  | 'http-429'
  | 'http-500'
  | 'http-503'
  /** 400 DCS.4017: a job for this instance is still running. */
  | 'job-running'
  | 'http-401'
  | 'http-403'
  | 'http-404'
  | 'slow'
  | 'truncate'
  | 'reset'
  | 'expired-link'
  | 'malformed-json'
  | 'huge-error-body'
  | 'hang';

export interface SimFault {
  op: SimOp;
  kind: SimFaultKind;
  /** How many matching requests it hits (default: all, until cleared). */
  times?: number;
  /** 0..1: hit a random share of the matching requests instead of all. */
  probability?: number;
  /** Seeds the PRNG behind `probability`, so a flaky scenario replays identically. */
  seed?: number;
  /** Only requests for this instance. */
  instanceId?: string;
  /** Only this log (link, download). */
  logId?: string;
  /** 'truncate': bytes sent before the socket is closed while Content-Length promised all (default: half). */
  truncateAt?: number;
  /** 'slow': extra delay per chunk / before answering (default 1000 ms for API calls, 50 ms per download chunk). */
  delayMs?: number;
  /** 'http-429' / 'http-503': sends Retry-After. */
  retryAfterSeconds?: number;
}

export interface SimRequest {
  op: SimOp | 'unknown';
  method: string;
  /** Path without the query string. */
  path: string;
  /** API calls: the decoded query (a repeated name's values joined by `,`). Downloads: always `{}`, the link's query is a credential. */
  query: Record<string, string>;
  /** 0 while unanswered, and for 'reset' / 'hang' faults. */
  status: number;
  /** Sim-clock time the request arrived. */
  at: number;
  instanceId?: string;
  logId?: string;
  projectId?: string;
  /** Whether Authorization / X-Auth-Token / X-Security-Token were sent (downloads must have none). */
  authHeaders: boolean;
  /** Lower-case names from Authorization's SignedHeaders. */
  signedHeaders?: string[];
}

export interface SimReplica {
  id: string;
  ip: string;
  groupName: string;
  role: 'master' | 'slave';
  active: boolean;
  nodeId: string;
}

export type SimCacheMode = 'single' | 'ha' | 'ha_rw_split' | 'proxy' | 'cluster';

export interface SimInstance {
  projectId: string;
  id: string;
  name: string;
  cacheMode: SimCacheMode;
  status: string;
  tags: Record<string, string>;
  engineVersion: string;
  replicas: SimReplica[];
}

export interface SimInstanceSpec {
  id?: string;
  name: string;
  /** Default 'ha'. */
  cacheMode?: SimCacheMode;
  /** Default 'RUNNING'. */
  status?: string;
  tags?: Record<string, string>;
  /** cluster / proxy: default 3; the other modes have one group. */
  shards?: number;
  /** Default 2; 'single' always has 1 (and no groups call). */
  replicasPerShard?: number;
  engineVersion?: string;
  /** Size of a full day's log per replica, for collection (default 64 KiB). */
  dailyBytes?: number;
  /**
   * Sim-clock epoch ms the instance came into being (default: 30 days before it is added).
   * Collection yields no file for days before it: a period may legitimately hold no log.
   */
  createdAt?: number;
}

export interface SimLogSpec {
  id?: string;
  replicationIp: string;
  groupName: string;
  /** yyyy-MM-dd */
  date: string;
  /** Default 'succeed'. */
  status?: string;
  /** Bytes of generated log text; may be left out when `content` is given (then it is its length). */
  size?: number;
  /**
   * The log's bytes, served verbatim instead of generated text: a real captured Redis log, for
   * tests that need what a real server printed.
   */
  content?: Buffer;
  /** Default `redis_{ip}_{date}.log`. */
  fileName?: string;
  seed?: number;
  /** null = omit the field, like old responses; undefined = a generated id. */
  backupId?: string | null;
}

export interface SimLog {
  id: string;
  projectId: string;
  instanceId: string;
  fileName: string;
  groupName: string;
  replicationIp: string;
  date: string;
  status: string;
  size: number;
  seed: number;
  createdAt: number;
}
