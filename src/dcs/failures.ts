/**
 * Every DCS failure is classified here, once: retryable (throttling, 5xx, a running job, the
 * network), fatal (credentials, permissions, TLS: nothing else in the pass can work) or `file`
 * (this instance or log). Messages name verb, path, status, error code and request id, and the
 * next step; never a credential, a query string or a link.
 */
import { ArchiveError, DcsApiError } from '../errors.js';
import type { DcsOperation } from './events.js';
import { safeText } from './safe-text.js';
import { parseErrorBody } from './wire-format.js';

/** What a failure message may say about the request. */
export interface CallContext {
  op: DcsOperation;
  method: string;
  /** Path only: the query string is never needed to say what failed. */
  path: string;
  projectId: string;
  instanceId?: string;
  logId?: string;
  authKind: 'aksk' | 'token';
  /** Values that must never be echoed, even if the server echoes them. */
  secrets: readonly string[];
}

const JOB_RUNNING = new Set(['DCS.4017', '111400017']);

/**
 * The IAM permission each call needs (the API reference's action names), so that a 403 says
 * which one to grant rather than leave the operator to guess between them. The README's
 * "Permissions" lists them per command.
 */
export const PERMISSIONS: Readonly<Record<DcsOperation, string>> = {
  'list-run-logs': 'dcs:redisLog:get',
  'collect-run-logs': 'dcs:redisLog:get',
  'get-download-link': 'dcs:redisLog:get',
  // ListGroupReplicationInfo, and the instance lookup that tells a single-node instance from a refusal.
  'list-replicas': 'dcs:instance:get',
  'get-instance': 'dcs:instance:get',
  // ListInstances: only discovery (discover.enabled) lists instances.
  'list-instances': 'dcs:instance:list',
};
const MAX_DETAIL_CHARS = 300;

export function httpFailure(
  ctx: CallContext,
  status: number,
  headers: { requestId: string | undefined; retryAfter: string | undefined },
  bodyText: string,
  now: Date,
): DcsApiError {
  const wire = parseErrorBody(bodyText);
  const serverSays = safeText(wire.message ?? (wire.code === undefined ? bodyText : ''), MAX_DETAIL_CHARS, ctx.secrets);
  const said = (fallback: string) => serverSays || fallback;
  // APIGW.0308 is the API gateway's flow control, whatever status it comes with.
  const throttled = status === 429 || wire.code === 'APIGW.0308';
  const make = (kind: 'retryable' | 'file' | 'fatal', detail: string, retryAfterMs?: number) =>
    new DcsApiError(kind, ctx.method, ctx.path, status, wire.code, headers.requestId, detail, { retryAfterMs, throttled });

  if (status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(headers.retryAfter, now);
    const fallback = status === 429 ? 'throttled by the API gateway' : 'service error';
    return make('retryable', said(fallback), retryAfterMs);
  }
  if (status === 400 && wire.code !== undefined && JOB_RUNNING.has(wire.code)) {
    return make('retryable', said('a job for this instance is still running'), parseRetryAfter(headers.retryAfter, now));
  }
  if (status === 401) {
    const next =
      ctx.authKind === 'aksk'
        ? "check HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK (and HUAWEICLOUD_SDK_SECURITY_TOKEN for temporary credentials) and the machine's clock: signing allows 15 minutes of skew"
        : `check the IAM token (DCS_AUTH_TOKEN): it lasts 24 hours and must be scoped to project ${ctx.projectId}`;
    return make('fatal', `${said('authentication failed')}; ${next}`);
  }
  if (status === 403) {
    return make('fatal', `${said('access denied')}; the credentials lack ${PERMISSIONS[ctx.op]} in project ${ctx.projectId}`);
  }
  if (status === 404) {
    const what =
      ctx.op === 'get-download-link'
        ? `instance ${ctx.instanceId ?? '?'} or its log ${ctx.logId ?? '?'} does not exist in project ${ctx.projectId}`
        : ctx.instanceId !== undefined
          ? `instance ${ctx.instanceId} does not exist in project ${ctx.projectId}`
          : `not found in project ${ctx.projectId}`;
    return make('file', `${said('not found')}; ${what}`);
  }
  return make('file', said(status >= 300 && status < 400 ? 'unexpected redirect' : 'request refused'));
}

/**
 * `Retry-After` as delta-seconds or an HTTP date, in ms from `now`; undefined when absent or
 * unreadable (the backoff then decides alone).
 */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  // A wrong region would fail forever, but a resolver hiccup looks the same; the retry budget bounds both.
  'ENOTFOUND',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** A failure before or while the answer arrived (connect, TLS, reset, timeout). */
export function networkFailure(ctx: CallContext, error: unknown): ArchiveError {
  const code = errorCodeOf(error);
  const what = safeText(error instanceof Error ? error.message : String(error), MAX_DETAIL_CHARS, ctx.secrets);
  const prefix = `DCS ${ctx.method} ${ctx.path} failed without an answer: ${what}${code ? ` (${code})` : ''}`;
  if (code !== undefined && RETRYABLE_NETWORK_CODES.has(code)) {
    return new ArchiveError('dcs', 'retryable', TIMEOUT_CODES.has(code) ? 'timeout' : 'network', prefix, { cause: error });
  }
  if (code !== undefined && /CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS|ERR_SSL/.test(code)) {
    return new ArchiveError('dcs', 'fatal', 'tls', `${prefix}; the endpoint's TLS certificate was not accepted: check dcs.endpoint`, { cause: error });
  }
  return new ArchiveError('dcs', 'file', 'request-failed', prefix, { cause: error });
}

export function malformedResponse(ctx: CallContext, status: number, requestId: string | undefined, problem: string): ArchiveError {
  return new ArchiveError('dcs', 'file', 'malformed-response',
    `DCS ${ctx.method} ${ctx.path} answered ${status}${requestId ? ` (request id ${requestId})` : ''} ` +
      `with a body that is not the expected JSON: ${problem}`,
  );
}

/** undici puts the system error's code on the error or on its cause; the system code says more. */
function errorCodeOf(error: unknown): string | undefined {
  let generic: string | undefined;
  for (let current = error, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    if (code !== 'UND_ERR_SOCKET') return code;
    generic ??= code;
  }
  return generic;
}
