/**
 * Which DCS call (or download) a request is, by method and path. Paths are matched strictly as
 * dcs-api.md writes them (note the singular `instance` of the groups call, and no trailing `/`),
 * so a client that gets one wrong sees the gateway's 404, as it would in production.
 */
import type { SimOp } from './types.js';

export interface Route {
  op: SimOp;
  projectId: string;
  instanceId?: string;
  logId?: string;
}

const SEGMENT = '([^/]+)';
const PATTERNS: Array<{ method: string[]; op: SimOp; re: RegExp; keys: Array<'projectId' | 'instanceId' | 'logId'> }> = [
  { method: ['GET'], op: 'list', re: new RegExp(`^/v2/${SEGMENT}/instances/${SEGMENT}/redislog$`), keys: ['projectId', 'instanceId'] },
  { method: ['POST'], op: 'collect', re: new RegExp(`^/v2/${SEGMENT}/instances/${SEGMENT}/redislog$`), keys: ['projectId', 'instanceId'] },
  {
    method: ['POST'],
    op: 'link',
    re: new RegExp(`^/v2/${SEGMENT}/instances/${SEGMENT}/redislog/${SEGMENT}/links$`),
    keys: ['projectId', 'instanceId', 'logId'],
  },
  { method: ['GET'], op: 'groups', re: new RegExp(`^/v2/${SEGMENT}/instance/${SEGMENT}/groups$`), keys: ['projectId', 'instanceId'] },
  { method: ['GET'], op: 'instances', re: new RegExp(`^/v2/${SEGMENT}/instances$`), keys: ['projectId'] },
  { method: ['GET'], op: 'instance', re: new RegExp(`^/v2/${SEGMENT}/instances/${SEGMENT}$`), keys: ['projectId', 'instanceId'] },
  // The file-name segment only makes the link look like an object key; the log id identifies it.
  { method: ['GET', 'HEAD'], op: 'download', re: new RegExp(`^/obs/${SEGMENT}/${SEGMENT}/[^/]+$`), keys: ['projectId', 'logId'] },
];

export function matchRoute(method: string, rawPath: string): Route | undefined {
  for (const pattern of PATTERNS) {
    if (!pattern.method.includes(method)) continue;
    const m = pattern.re.exec(rawPath);
    if (!m) continue;
    const route: Route = { op: pattern.op, projectId: '' };
    try {
      pattern.keys.forEach((key, i) => {
        route[key] = decodeURIComponent(m[i + 1] ?? '');
      });
    } catch {
      return undefined;
    }
    return route;
  }
  return undefined;
}

/** Download paths never get their query recorded: it is the link's credential. */
export function isDownloadPath(rawPath: string): boolean {
  return rawPath.startsWith('/obs/');
}
