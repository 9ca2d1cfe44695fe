/**
 * The real DCS client: our DcsApi over the Huawei Cloud API. Every call is signed (or carries an
 * IAM token), retried by the one retry policy, and fails with a classified ArchiveError.
 */
import type { Dispatcher } from 'undici';
import { ArchiveError, ConfigError, DcsApiError } from '../errors.js';
import { redactUrl } from '../redact.js';
import { defaultRetryPolicy, sleep as defaultSleep, type RetryPolicy } from '../retry.js';
import type { DcsEvent, DcsOperation } from './events.js';
import { createTransport, sharedAgent, type DcsAuth } from './http.js';
import { pageByOffset } from './paging.js';
import { excerpt } from './safe-text.js';
import type { CollectPeriod, DcsApi, InstanceFilter, InstanceInfo, MalformedItem, Replica, RunLogListing } from './types.js';
import {
  itemKey,
  parseGroups,
  parseInstance,
  parseInstanceItem,
  parseInstancePage,
  parseLinkResponse,
  parseRunLogItem,
  parseRunLogPage,
} from './wire-format.js';

export type { DcsEvent } from './events.js';

export interface DcsClientOptions {
  /** e.g. `https://dcs.cn-north-4.myhuaweicloud.com`, or `http://127.0.0.1:PORT` with allowHttp. */
  endpoint: string;
  projectId: string;
  auth: DcsAuth;
  /** Accept http:// endpoints and download links (local simulators only). */
  allowHttp?: boolean;
  /** Default: a keep-alive undici Agent shared by the process, with `timeouts.connectMs`. */
  dispatcher?: Dispatcher;
  /** Defaults 10 s / 30 s / 30 s. */
  timeouts?: { connectMs?: number; headersMs?: number; bodyMs?: number };
  retry?: RetryPolicy;
  /** Default 1000, the API's maximum, so a steady-state pass lists each instance in one call. */
  pageSize?: number;
  /** Default 100; a listing that would need more is cut and reported. */
  maxPages?: number;
  now?: () => Date;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  /** Awaited before every API request (a shared rate limiter plugs in here). */
  beforeRequest?: (signal?: AbortSignal) => Promise<void>;
  /** Retries and listing anomalies, for the edge to log. Never a secret. */
  onEvent?: (event: DcsEvent) => void;
}

const MAX_PAGE_SIZE = 1000;

export function createDcsClient(options: DcsClientOptions): DcsApi {
  const allowHttp = options.allowHttp ?? false;
  const endpoint = checkEndpoint(options.endpoint, allowHttp);
  const projectId = checkProjectId(options.projectId);
  checkAuth(options.auth);
  const pageSize = checkCount('dcs.pageSize', options.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
  const maxPages = checkCount('dcs.maxPages', options.maxPages ?? 100, Number.MAX_SAFE_INTEGER);
  const onEvent = options.onEvent ?? (() => {});
  const timeouts = {
    connectMs: options.timeouts?.connectMs ?? 10_000,
    headersMs: options.timeouts?.headersMs ?? 30_000,
    bodyMs: options.timeouts?.bodyMs ?? 30_000,
  };

  const transport = createTransport({
    endpoint,
    projectId,
    auth: options.auth,
    dispatcher: options.dispatcher ?? sharedAgent(timeouts.connectMs),
    headersMs: timeouts.headersMs,
    bodyMs: timeouts.bodyMs,
    retry: options.retry ?? defaultRetryPolicy,
    now: options.now ?? (() => new Date()),
    sleep: options.sleep ?? defaultSleep,
    random: options.random ?? Math.random,
    ...(options.beforeRequest === undefined ? {} : { beforeRequest: options.beforeRequest }),
    onEvent,
  });

  const reportMalformed = (op: DcsOperation, instanceId: string | undefined, malformed: MalformedItem[]) => {
    const first = malformed[0];
    if (!first) return;
    onEvent({
      type: 'dcs.malformed-items',
      op,
      ...(instanceId === undefined ? {} : { instanceId }),
      count: malformed.length,
      problem: first.problem,
      raw: first.raw,
    });
  };

  async function listRunLogs(instanceId: string, signal?: AbortSignal): Promise<RunLogListing> {
    const paged = await pageByOffset({
      op: 'list-run-logs',
      instanceId,
      pageSize,
      maxPages,
      keyOf: (item) => itemKey(item, 'id'),
      onEvent,
      fetchPage: (offset, limit) =>
        transport.call({
          op: 'list-run-logs',
          method: 'GET',
          segments: ['instances', instanceId, 'redislog'],
          query: [
            ['log_type', 'run'],
            ['offset', String(offset)],
            ['limit', String(limit)],
          ],
          ok: [200, 204],
          parse: (json, status) => (status === 204 ? undefined : parseRunLogPage(json)),
          instanceId,
          ...(signal === undefined ? {} : { signal }),
        }),
    });
    const listing: RunLogListing = { logs: [], malformed: [], pages: paged.pages };
    for (const raw of paged.items) {
      const result = parseRunLogItem(raw);
      if (result.ok) listing.logs.push(result.value);
      else listing.malformed.push({ problem: result.problem, raw: excerpt(raw) });
    }
    if (paged.incomplete) listing.incomplete = paged.incomplete;
    reportMalformed('list-run-logs', instanceId, listing.malformed);
    return listing;
  }

  async function collectRunLogs(instanceId: string, period: CollectPeriod, replicationId?: string, signal?: AbortSignal): Promise<void> {
    if (![0, 1, 3, 7].includes(period)) {
      throw new ArchiveError('dcs', 'file', 'invalid-period', `collect period must be 0, 1, 3 or 7 days, not ${String(period)}`);
    }
    const query: Array<[string, string]> = [
      ['log_type', 'run'],
      ['query_time', String(period)],
    ];
    if (replicationId !== undefined) query.push(['replication_id', replicationId]);
    await transport.call({
      op: 'collect-run-logs',
      method: 'POST',
      segments: ['instances', instanceId, 'redislog'],
      query,
      ok: [200, 202, 204],
      parse: () => undefined,
      instanceId,
      ...(signal === undefined ? {} : { signal }),
    });
  }

  async function getDownloadLink(instanceId: string, logId: string, signal?: AbortSignal): Promise<string> {
    const segments = ['instances', instanceId, 'redislog', logId, 'links'];
    const link = await transport.call({
      op: 'get-download-link',
      method: 'POST',
      segments,
      ok: [200],
      parse: (json) => parseLinkResponse(json),
      instanceId,
      logId,
      ...(signal === undefined ? {} : { signal }),
    });
    checkLink(link, allowHttp, `DCS POST ${transport.pathOf(segments)}`);
    return link;
  }

  async function listReplicas(instanceId: string, signal?: AbortSignal): Promise<Replica[]> {
    try {
      const { replicas, malformed } = await transport.call({
        op: 'list-replicas',
        method: 'GET',
        segments: ['instance', instanceId, 'groups'],
        ok: [200, 204],
        parse: (json) => (json === undefined ? { replicas: [], malformed: [] } : parseGroups(json)),
        instanceId,
        ...(signal === undefined ? {} : { signal }),
      });
      reportMalformed(
        'list-replicas',
        instanceId,
        malformed.map(({ problem, raw }) => ({ problem, raw: excerpt(raw) })),
      );
      return replicas;
    } catch (error) {
      // The groups call is not offered for single-node instances; how it refuses is not documented.
      if (error instanceof DcsApiError && error.status === 400 && error.kind === 'file') {
        const instance = await getInstance(instanceId, signal);
        if (instance.cacheMode === 'single') return [];
      }
      throw error;
    }
  }

  async function getInstance(instanceId: string, signal?: AbortSignal): Promise<InstanceInfo> {
    return transport.call({
      op: 'get-instance',
      method: 'GET',
      segments: ['instances', instanceId],
      ok: [200],
      parse: (json) => parseInstance(json),
      instanceId,
      ...(signal === undefined ? {} : { signal }),
    });
  }

  async function listInstances(filter: InstanceFilter = {}, signal?: AbortSignal): Promise<InstanceInfo[]> {
    const filterQuery: Array<[string, string]> = [];
    if (filter.name !== undefined) filterQuery.push(['name', filter.name]);
    if (filter.status !== undefined) filterQuery.push(['status', filter.status]);
    // One `tags` parameter, `k1=v1,k2=v2`, as the API reference and the official SDK send it.
    const tags = Object.entries(filter.tags ?? {});
    if (tags.length > 0) filterQuery.push(['tags', tags.map(([key, value]) => `${key}=${value}`).join(',')]);

    const paged = await pageByOffset({
      op: 'list-instances',
      pageSize,
      maxPages,
      keyOf: (item) => itemKey(item, 'instance_id'),
      onEvent,
      fetchPage: (offset, limit) =>
        transport.call({
          op: 'list-instances',
          method: 'GET',
          segments: ['instances'],
          query: [['offset', String(offset)], ['limit', String(limit)], ...filterQuery],
          ok: [200, 204],
          parse: (json, status) => (status === 204 ? undefined : parseInstancePage(json)),
          ...(signal === undefined ? {} : { signal }),
        }),
    });
    const instances: InstanceInfo[] = [];
    const malformed: MalformedItem[] = [];
    for (const raw of paged.items) {
      const result = parseInstanceItem(raw);
      if (!result.ok) malformed.push({ problem: result.problem, raw: excerpt(raw) });
      // The filter is applied again here: archiving an instance the filter excludes is worse than one extra check.
      else if (matchesFilter(result.value, filter)) instances.push(result.value);
    }
    reportMalformed('list-instances', undefined, malformed);
    return instances;
  }

  return { projectId, listRunLogs, collectRunLogs, getDownloadLink, listReplicas, getInstance, listInstances };
}

function matchesFilter(instance: InstanceInfo, filter: InstanceFilter): boolean {
  if (filter.status !== undefined && instance.status !== filter.status) return false;
  return Object.entries(filter.tags ?? {}).every(([key, value]) => instance.tags[key] === value);
}

/** A download link must be a URL we may fetch; the message shows it without its query (a credential). */
function checkLink(link: string, allowHttp: boolean, source: string): void {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    throw new ArchiveError('dcs', 'file', 'bad-link', `${source} returned a download link that is not a URL`);
  }
  const allowed = allowHttp ? ['https:', 'http:'] : ['https:'];
  if (!allowed.includes(url.protocol)) {
    const hint = url.protocol === 'http:' ? ' (http:// links are accepted only with dcs.allowHttp: true)' : '';
    throw new ArchiveError('dcs', 'file', 'bad-link', `${source} returned a download link that is not https: ${redactUrl(link)}${hint}`);
  }
}

function checkEndpoint(value: string, allowHttp: boolean): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // Something with an `@` may carry user info; it is not repeated then.
    const shown = value.includes('@') ? 'the value' : JSON.stringify(value);
    throw new ConfigError('dcs.endpoint', `${shown} is not a URL; expected e.g. https://dcs.cn-north-4.myhuaweicloud.com`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigError('dcs.endpoint', `${redactUrl(value)} must not carry user info; credentials come from the environment`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new ConfigError('dcs.endpoint', `${redactUrl(value)} must not have a query string or fragment`);
  }
  if (url.protocol === 'http:' && !allowHttp) {
    throw new ConfigError('dcs.endpoint', `${redactUrl(value)} is plain http; use https, or set dcs.allowHttp: true for a local simulator`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError('dcs.endpoint', `${redactUrl(value)} must be an https:// URL`);
  }
  return url;
}

function checkProjectId(value: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigError('dcs.projectId', 'is empty; set it in the config or HUAWEICLOUD_SDK_PROJECT_ID');
  }
  if (value === '.' || value === '..' || /[^\x21-\x7e]/.test(value)) {
    throw new ConfigError('dcs.projectId', `${JSON.stringify(value)} is not a project id (32 hex characters, e.g. 0524e839a54847039e9b2b46e8aa788a)`);
  }
  return value;
}

/** Header values must be printable ASCII; undici would otherwise fail later with a vaguer error. Values are never echoed. */
function checkAuth(auth: DcsAuth): void {
  const check = (name: string, value: string | undefined, required: boolean) => {
    if (value === undefined && !required) return;
    if (typeof value !== 'string' || value === '') throw new ConfigError(name, 'is empty');
    if (/[^\x21-\x7e]/.test(value)) throw new ConfigError(name, 'contains spaces or characters that cannot be sent in an HTTP header');
  };
  if (auth.kind === 'token') {
    check('DCS_AUTH_TOKEN', auth.token, true);
    return;
  }
  check('HUAWEICLOUD_SDK_AK', auth.accessKey, true);
  check('HUAWEICLOUD_SDK_SK', auth.secretKey, true);
  check('HUAWEICLOUD_SDK_SECURITY_TOKEN', auth.securityToken, false);
}

function checkCount(path: string, value: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new ConfigError(path, `${String(value)} is not allowed; use a whole number from 1 to ${max}`);
  }
  return value;
}
