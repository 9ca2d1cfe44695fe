/**
 * The six DCS calls as pure-ish functions of the fleet state and the parsed request. They speak
 * the wire JSON of dcs-api.md (snake_case, strings where DCS sends strings); the server does
 * transport, auth and faults.
 */
import type { Route } from './routes.js';
import { dcsError, json, noContent, type Answer } from './responses.js';
import type { SimState, StoredInstance, StoredLog } from './state.js';
import type { SimReplica } from './types.js';

export interface ApiContext {
  state: SimState;
  route: Route;
  query: URLSearchParams;
  offsetBase: 0 | 1;
  /** Hands out a download link for the log (and remembers it in `issuedLinks`). */
  issueLink: (log: StoredLog) => string;
}

const COLLECT_PERIODS = new Set(['0', '1', '3', '7']);
const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 1000;

function instanceNotFound(): Answer {
  return dcsError(404, 'DCS.3022', 'The instance does not exist.');
}

function invalid(message: string): Answer {
  return dcsError(400, 'DCS.4800', message);
}

/** Integers only, as the API's validator is; `undefined` means "use the default". */
function intParam(value: string | null, fallback: number): number | undefined {
  if (value === null || value === '') return fallback;
  return /^\d{1,9}$/.test(value) ? Number(value) : undefined;
}

type Page = { start: number; limit: number } | { error: Answer };

/** `offset` counts records from `offsetBase`; below the base is the documented 400. */
function page(query: URLSearchParams, offsetBase: 0 | 1): Page {
  const limit = intParam(query.get('limit'), DEFAULT_LIMIT);
  if (limit === undefined || limit < 1 || limit > MAX_LIMIT) return { error: invalid('Invalid limit in the request.') };
  const offset = intParam(query.get('offset'), offsetBase);
  if (offset === undefined || offset < offsetBase) return { error: invalid('Invalid offset in the request.') };
  return { start: offset - offsetBase, limit };
}

function runlogItem(state: SimState, log: StoredLog): Record<string, unknown> {
  const item: Record<string, unknown> = {
    id: log.id,
    file_name: log.fileName,
    group_name: log.groupName,
    replication_ip: log.replicationIp,
    status: state.statusOf(log),
    time: log.date,
  };
  if (log.backupId !== null) item.backup_id = log.backupId;
  return item;
}

function instanceJson(instance: StoredInstance): Record<string, unknown> {
  const { info } = instance;
  const master = info.replicas.find((r) => r.role === 'master') ?? info.replicas[0];
  return {
    instance_id: info.id,
    name: info.name,
    engine: 'Redis',
    engine_version: info.engineVersion,
    status: info.status,
    spec_code: instance.specCode,
    cache_mode: info.cacheMode,
    capacity: 2,
    ip: master?.ip ?? '',
    port: 6379,
    project_id: info.projectId,
    created_at: new Date(instance.createdAt).toISOString(),
    az_codes: ['cn-north-4a', 'cn-north-4b'],
    description: '',
    tags: Object.entries(info.tags).map(([key, value]) => ({ key, value })),
  };
}

function list(ctx: ApiContext, instance: StoredInstance): Answer {
  if (ctx.query.get('log_type') !== 'run') return invalid('Invalid logType.');
  const paging = page(ctx.query, ctx.offsetBase);
  if ('error' in paging) return paging.error;
  const entries = ctx.state.visibleEntries(instance.info.projectId, instance.info.id);
  // DCS answers an instance without run logs with an empty 204, not an empty list.
  if (entries.length === 0) return noContent();
  return json(200, {
    total_num: entries.length,
    file_list: entries
      .slice(paging.start, paging.start + paging.limit)
      .map((e) => (e.kind === 'raw' ? e.item : runlogItem(ctx.state, e.log))),
  });
}

/**
 * A collection runs for an inactive replica too: DCS collects whatever the node has, and the
 * archiver must not assume otherwise.
 */
function collect(ctx: ApiContext, instance: StoredInstance): Answer {
  if (ctx.query.get('log_type') !== 'run') return invalid('Invalid logType.');
  const period = ctx.query.get('query_time') ?? '0';
  if (!COLLECT_PERIODS.has(period)) return invalid('Invalid query_time: allowed values are 0, 1, 3 and 7.');
  if (instance.info.status !== 'RUNNING') return dcsError(400, 'DCS.4049', 'The instance is not running.');
  const replicationId = ctx.query.get('replication_id');
  const replicas = instance.info.replicas;
  let replica: SimReplica | undefined;
  if (instance.info.cacheMode === 'single') {
    replica = replicationId === null ? replicas[0] : replicas.find((r) => r.id === replicationId);
  } else {
    if (replicationId === null || replicationId === '') return invalid('replication_id is mandatory for this instance type.');
    replica = replicas.find((r) => r.id === replicationId);
  }
  if (!replica) return invalid('Invalid replication_id.');
  ctx.state.collect(instance.info.projectId, instance.info.id, Number(period), replica);
  return noContent();
}

function link(ctx: ApiContext, instance: StoredInstance): Answer {
  const log = ctx.state.findLog(ctx.route.logId ?? '');
  if (!log || log.projectId !== instance.info.projectId || log.instanceId !== instance.info.id || !ctx.state.isRetained(log)) {
    return dcsError(404, '111404022', 'The run log does not exist or has expired.');
  }
  const status = ctx.state.statusOf(log);
  if (status !== 'succeed') return invalid(`The run log is not ready for download (status ${status}).`);
  const body: Record<string, unknown> = { id: log.id, link: ctx.issueLink(log) };
  if (log.backupId !== null) body.backup_id = log.backupId;
  return json(200, body);
}

/** Single-node instances have no shards: this sim answers 400 DCS.4800, as the API reference says the call is not for them. */
function groups(instance: StoredInstance): Answer {
  if (instance.info.cacheMode === 'single') {
    return invalid('Invalid instance type: single-node instances have no shards or replicas.');
  }
  const groupList = [...instance.groupIds.entries()]
    .map(([groupName, groupId]) => ({
      group_id: groupId,
      group_name: groupName,
      replication_list: instance.info.replicas
        .filter((r) => r.groupName === groupName)
        .map((r, i) => ({
          replication_id: r.id,
          replication_ip: r.ip,
          replication_role: r.role,
          status: r.active ? 'Active' : 'Inactive',
          node_id: r.nodeId,
          az_code: i % 2 === 0 ? 'cn-north-4a' : 'cn-north-4b',
          is_replication: false,
        })),
    }))
    .filter((g) => g.replication_list.length > 0);
  return json(200, { group_count: groupList.length, group_list: groupList });
}

/** The API's one `tags` parameter: `key=value` pairs joined by commas; a bare key asks for the key with any value. */
function parseTagFilter(param: string | null): string[] {
  if (param === null) return [];
  return param.split(',').filter((pair) => pair !== '');
}

function matchesTags(instance: StoredInstance, filters: string[]): boolean {
  return filters.every((filter) => {
    const eq = filter.indexOf('=');
    if (eq === -1) return filter in instance.info.tags;
    return instance.info.tags[filter.slice(0, eq)] === filter.slice(eq + 1);
  });
}

function instances(ctx: ApiContext): Answer {
  const paging = page(ctx.query, ctx.offsetBase);
  if ('error' in paging) return paging.error;
  const name = ctx.query.get('name');
  const status = ctx.query.get('status');
  // The API takes one `tags` parameter; a repeated one is refused so a client sending that shape cannot pass unnoticed.
  if (ctx.query.getAll('tags').length > 1) return invalid('Invalid tags: send one tags parameter, key=value pairs joined by commas.');
  const tags = parseTagFilter(ctx.query.get('tags'));
  const matching = ctx.state
    .instances(ctx.route.projectId)
    .filter((i) => (name === null || i.info.name.includes(name)) && (status === null || i.info.status === status) && matchesTags(i, tags));
  return json(200, { instance_num: matching.length, instances: matching.slice(paging.start, paging.start + paging.limit).map(instanceJson) });
}

export function handleApi(ctx: ApiContext): Answer {
  const { route, state } = ctx;
  if (route.op === 'instances') return instances(ctx);
  const instance = state.instance(route.projectId, route.instanceId ?? '');
  if (!instance) return instanceNotFound();
  switch (route.op) {
    case 'list':
      return list(ctx, instance);
    case 'collect':
      return collect(ctx, instance);
    case 'link':
      return link(ctx, instance);
    case 'groups':
      return groups(instance);
    case 'instance':
      return json(200, instanceJson(instance));
    default:
      return dcsError(404, 'APIGW.0101', 'The API does not exist or has not been published in the environment.');
  }
}
