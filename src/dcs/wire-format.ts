/**
 * The DCS API's JSON, and its validation into our types. Nothing outside src/dcs knows these
 * field names. Parsers of whole bodies throw WireFormatError (the caller adds the request's
 * context); item parsers return a problem instead, so one bad item never hides the rest.
 */
import type { InstanceInfo, Replica, RunLog } from './types.js';

/** A body that is not the JSON we expect. The message never quotes the body: it may hold a link. */
export class WireFormatError extends Error {
  override name = 'WireFormatError';
}

export type ItemResult<T> = { ok: true; value: T } | { ok: false; problem: string };

export interface WirePage {
  items: unknown[];
  /** What the server says it holds in all; undefined when it did not say. */
  total: number | undefined;
}

/** `{total_num, file_list: [RunlogItem]}` */
export function parseRunLogPage(json: unknown): WirePage {
  return parsePage(json, 'total_num', 'file_list');
}

/** `{instance_num, instances: [...]}` */
export function parseInstancePage(json: unknown): WirePage {
  return parsePage(json, 'instance_num', 'instances');
}

function parsePage(json: unknown, totalField: string, listField: string): WirePage {
  if (json === undefined) throw new WireFormatError('the body is empty');
  const body = asObject(json);
  if (!body) throw new WireFormatError('the body is not a JSON object');
  const total = countOf(body[totalField]);
  const list = body[listField];
  if (list === undefined || list === null) {
    // An empty result is sometimes sent as the count alone.
    if (total === 0) return { items: [], total };
    throw new WireFormatError(`${listField} is missing`);
  }
  if (!Array.isArray(list)) throw new WireFormatError(`${listField} is not an array`);
  return { items: list, total };
}

/** The key a listing item is de-duplicated by: its id, else its whole text (malformed items). */
export function itemKey(raw: unknown, idField: string): string {
  const id = asObject(raw)?.[idField];
  if (typeof id === 'string' && id !== '') return `id:${id}`;
  try {
    return `raw:${JSON.stringify(raw)}`;
  } catch {
    return `raw:${String(raw)}`;
  }
}

const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export function parseRunLogItem(raw: unknown): ItemResult<RunLog> {
  const item = asObject(raw);
  if (!item) return { ok: false, problem: 'the item is not an object' };
  const missing = ['id', 'file_name', 'group_name', 'replication_ip', 'status', 'time'].filter(
    (field) => typeof item[field] !== 'string',
  );
  if (missing.length > 0) return { ok: false, problem: `missing or not a string: ${missing.join(', ')}` };
  const log: RunLog = {
    id: item['id'] as string,
    fileName: item['file_name'] as string,
    groupName: item['group_name'] as string,
    replicationIp: item['replication_ip'] as string,
    status: item['status'] as string,
    date: item['time'] as string,
  };
  if (log.id === '') return { ok: false, problem: 'id is empty' };
  if (log.fileName === '') return { ok: false, problem: 'file_name is empty' };
  if (!DAY.test(log.date)) return { ok: false, problem: 'time is not a yyyy-MM-dd day' };
  // Older responses lack backup_id; it is informative only, so a bad one is dropped, not fatal.
  const backupId = item['backup_id'];
  if (typeof backupId === 'string' && backupId !== '') log.backupId = backupId;
  return { ok: true, value: log };
}

/** `{id, backup_id, link}` → the link, still unchecked as a URL. */
export function parseLinkResponse(json: unknown): string {
  const body = asObject(json);
  if (!body) throw new WireFormatError('the body is not a JSON object');
  const link = body['link'];
  if (typeof link !== 'string' || link === '') throw new WireFormatError('link is missing or not a string');
  return link;
}

/** `{group_count, group_list: [{group_name, replication_list: [...]}]}` → replicas, and the items left out. */
export function parseGroups(json: unknown): { replicas: Replica[]; malformed: Array<{ problem: string; raw: unknown }> } {
  const body = asObject(json);
  if (!body) throw new WireFormatError('the body is not a JSON object');
  const groups = body['group_list'];
  if (groups === undefined || groups === null) return { replicas: [], malformed: [] };
  if (!Array.isArray(groups)) throw new WireFormatError('group_list is not an array');
  const replicas: Replica[] = [];
  const malformed: Array<{ problem: string; raw: unknown }> = [];
  for (const rawGroup of groups) {
    const group = asObject(rawGroup);
    const groupName = group?.['group_name'];
    const list = group?.['replication_list'];
    if (!group || typeof groupName !== 'string' || !Array.isArray(list)) {
      malformed.push({ problem: 'a group lacks group_name or replication_list', raw: rawGroup });
      continue;
    }
    for (const rawReplica of list) {
      const replica = asObject(rawReplica);
      const id = replica?.['replication_id'];
      const ip = replica?.['replication_ip'];
      if (!replica || typeof id !== 'string' || id === '' || typeof ip !== 'string' || ip === '') {
        malformed.push({ problem: 'a replica lacks replication_id or replication_ip', raw: rawReplica });
        continue;
      }
      const role = replica['replication_role'];
      replicas.push({
        id,
        ip,
        groupName,
        role: typeof role === 'string' ? role : 'unknown',
        active: replica['status'] === 'Active',
      });
    }
  }
  return { replicas, malformed };
}

export function parseInstanceItem(raw: unknown): ItemResult<InstanceInfo> {
  const item = asObject(raw);
  if (!item) return { ok: false, problem: 'the item is not an object' };
  const missing = ['instance_id', 'name', 'status'].filter((field) => typeof item[field] !== 'string');
  if (missing.length > 0) return { ok: false, problem: `missing or not a string: ${missing.join(', ')}` };
  if (item['instance_id'] === '') return { ok: false, problem: 'instance_id is empty' };
  const info: InstanceInfo = {
    id: item['instance_id'] as string,
    name: item['name'] as string,
    status: item['status'] as string,
    tags: parseTags(item['tags']),
  };
  const cacheMode = optionalString(item['cache_mode']);
  if (cacheMode !== undefined) info.cacheMode = cacheMode;
  const engine = optionalString(item['engine']);
  if (engine !== undefined) info.engine = engine;
  const engineVersion = optionalString(item['engine_version']);
  if (engineVersion !== undefined) info.engineVersion = engineVersion;
  return { ok: true, value: info };
}

/** One instance's details: a malformed one is a malformed body, there is nothing else to return. */
export function parseInstance(json: unknown): InstanceInfo {
  const result = parseInstanceItem(json);
  if (!result.ok) throw new WireFormatError(result.problem);
  return result.value;
}

/** `[{key, value}]`; entries without a string key are ignored (tags only select instances). */
function parseTags(raw: unknown): Record<string, string> {
  const tags: Record<string, string> = {};
  if (!Array.isArray(raw)) return tags;
  for (const entry of raw) {
    const tag = asObject(entry);
    const key = tag?.['key'];
    if (typeof key !== 'string' || key === '') continue;
    const value = tag?.['value'];
    tags[key] = typeof value === 'string' ? value : '';
  }
  return tags;
}

export interface WireError {
  code: string | undefined;
  message: string | undefined;
}

/** `{error_code, error_msg, error_ext_msg}` (DCS and APIG alike); anything else yields nothing. */
export function parseErrorBody(text: string): WireError {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // A body cut at the read limit is no longer JSON, but its leading fields are still readable.
    const code = /"error_code"\s*:\s*"([^"\\]{1,40})"/.exec(text)?.[1];
    const message = /"error_msg"\s*:\s*"((?:[^"\\]|\\.){1,400})/.exec(text)?.[1];
    return { code, message: code === undefined ? undefined : message };
  }
  const body = asObject(json);
  const code = body?.['error_code'] ?? body?.['code'];
  const message = body?.['error_msg'] ?? body?.['message'];
  return {
    code: typeof code === 'string' && code !== '' ? code : typeof code === 'number' ? String(code) : undefined,
    message: typeof message === 'string' && message !== '' ? message : undefined,
  };
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A count may come as a number or a numeric string; anything else is "not said". */
function countOf(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}
