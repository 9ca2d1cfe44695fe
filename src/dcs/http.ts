/**
 * One DCS API call over undici: URL building, authentication, bounded body reading, the one
 * classification of failures, and the one retry policy. Callers see parsed values or an
 * ArchiveError; nothing here logs.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { AbortedError, ArchiveError, errorMessage, isArchiveError } from '../errors.js';
import { withRetry, type RetryPolicy } from '../retry.js';
import type { DcsEvent, DcsOperation } from './events.js';
import { httpFailure, malformedResponse, networkFailure, type CallContext } from './failures.js';
import { rfc3986Encode, signRequest } from './sign.js';
import { WireFormatError } from './wire-format.js';

export type DcsAuth = { kind: 'aksk'; accessKey: string; secretKey: string; securityToken?: string } | { kind: 'token'; token: string };

export interface DcsTransportOptions {
  /** Validated: http(s), no query, user info or fragment; any path is kept as a prefix. */
  endpoint: URL;
  projectId: string;
  auth: DcsAuth;
  dispatcher: Dispatcher;
  headersMs: number;
  bodyMs: number;
  retry: RetryPolicy;
  now: () => Date;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  beforeRequest?: (signal?: AbortSignal) => Promise<void>;
  onEvent: (event: DcsEvent) => void;
}

export interface DcsCall<T> {
  op: DcsOperation;
  method: 'GET' | 'POST';
  /** Path segments after `/v2/{project_id}`, raw: each is percent-encoded here. */
  segments: readonly string[];
  query?: ReadonlyArray<readonly [string, string]>;
  /** Statuses that mean success; anything else is a failure to classify. */
  ok: readonly number[];
  /** Turns a successful body (undefined when empty) into the result; throws WireFormatError. */
  parse: (json: unknown, status: number) => T;
  instanceId?: string;
  logId?: string;
  signal?: AbortSignal;
}

export interface DcsTransport {
  call<T>(call: DcsCall<T>): Promise<T>;
  /** The path a call would use, for messages. */
  pathOf(segments: readonly string[]): string;
}

/** Error bodies are read only this far: enough for any real error, bounded against a hostile one. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** A full 1000-item page is about 250 KB; far above that is not a DCS answer. */
const MAX_SUCCESS_BODY_BYTES = 8 * 1024 * 1024;

export function createTransport(options: DcsTransportOptions): DcsTransport {
  const basePath = options.endpoint.pathname.replace(/\/+$/, '');
  const secrets = secretsOf(options.auth);

  const pathOf = (segments: readonly string[]) =>
    `${basePath}/v2/${[options.projectId, ...segments].map(encodeSegment).join('/')}`;

  async function once<T>(call: DcsCall<T>, ctx: CallContext, url: URL): Promise<T> {
    const headers = authenticate(call.method, url);
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, {
        method: call.method,
        headers,
        dispatcher: options.dispatcher,
        signal: call.signal,
        headersTimeout: options.headersMs,
        bodyTimeout: options.bodyMs,
      });
    } catch (error) {
      if (call.signal?.aborted) throw new AbortedError();
      throw networkFailure(ctx, error);
    }
    const status = response.statusCode;
    const requestId = headerOf(response.headers, 'x-request-id');
    const success = call.ok.includes(status);
    let body: Buffer;
    try {
      body = await readBounded(response.body, success ? MAX_SUCCESS_BODY_BYTES : MAX_ERROR_BODY_BYTES);
    } catch (error) {
      if (call.signal?.aborted) throw new AbortedError();
      throw networkFailure(ctx, error);
    }
    if (!success) {
      throw httpFailure(ctx, status, { requestId, retryAfter: headerOf(response.headers, 'retry-after') }, body.toString('utf8'), options.now());
    }
    if (body.length > MAX_SUCCESS_BODY_BYTES) {
      throw malformedResponse(ctx, status, requestId, `larger than ${MAX_SUCCESS_BODY_BYTES} bytes`);
    }
    let json: unknown;
    if (body.length > 0) {
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        throw malformedResponse(ctx, status, requestId, 'not JSON');
      }
    }
    try {
      return call.parse(json, status);
    } catch (error) {
      if (error instanceof WireFormatError) throw malformedResponse(ctx, status, requestId, error.message);
      throw error;
    }
  }

  function authenticate(method: string, url: URL): Record<string, string> {
    const base: Record<string, string> = { 'User-Agent': 'dcs-log-archiver' };
    // The SDKs declare JSON on POSTs even without a body; a gateway may insist on it.
    if (method === 'POST') base['Content-Type'] = 'application/json';
    const { auth } = options;
    if (auth.kind === 'token') {
      return { ...base, Host: url.host, 'X-Project-Id': options.projectId, 'X-Auth-Token': auth.token };
    }
    return signRequest({
      method,
      url,
      headers: base,
      body: undefined,
      accessKey: auth.accessKey,
      secretKey: auth.secretKey,
      ...(auth.securityToken === undefined ? {} : { securityToken: auth.securityToken }),
      date: options.now(),
      projectId: options.projectId,
    });
  }

  async function call<T>(call: DcsCall<T>): Promise<T> {
    const path = pathOf(call.segments);
    const query = (call.query ?? []).map(([name, value]) => `${rfc3986Encode(name)}=${rfc3986Encode(value)}`).join('&');
    const url = new URL(`${options.endpoint.origin}${path}${query ? `?${query}` : ''}`);
    const ctx: CallContext = {
      op: call.op,
      method: call.method,
      path,
      projectId: options.projectId,
      authKind: options.auth.kind,
      secrets,
      ...(call.instanceId === undefined ? {} : { instanceId: call.instanceId }),
      ...(call.logId === undefined ? {} : { logId: call.logId }),
    };
    return withRetry(
      options.retry,
      {
        sleep: options.sleep,
        random: options.random,
        ...(call.signal === undefined ? {} : { signal: call.signal }),
        onRetry: ({ attempt, delayMs, error }) =>
          options.onEvent({
            type: 'dcs.retry',
            op: call.op,
            ...(call.instanceId === undefined ? {} : { instanceId: call.instanceId }),
            attempt,
            delayMs,
            reason: isArchiveError(error) ? error.reason : 'dcs.unknown',
            throttled: isArchiveError(error) && error.throttled,
            message: errorMessage(error),
          }),
      },
      async () => {
        await options.beforeRequest?.(call.signal);
        return once(call, ctx, url);
      },
    );
  }

  return { call, pathOf };
}

/**
 * Each id is one segment whatever it contains: `/` becomes %2F. Dot segments would be resolved
 * away by any URL parser, so they are refused rather than sent.
 */
export function encodeSegment(segment: string): string {
  if (segment === '' || segment === '.' || segment === '..') {
    throw new ArchiveError('dcs', 'file', 'invalid-id', `not usable as an id in a DCS path: ${JSON.stringify(segment)}`);
  }
  return rfc3986Encode(segment);
}

const sharedAgents = new Map<number, Agent>();

/** One keep-alive Agent per connect timeout, shared by every client of the process. */
export function sharedAgent(connectMs: number): Agent {
  let agent = sharedAgents.get(connectMs);
  if (!agent) {
    agent = new Agent({ connect: { timeout: connectMs }, keepAliveTimeout: 10_000 });
    sharedAgents.set(connectMs, agent);
  }
  return agent;
}

function secretsOf(auth: DcsAuth): string[] {
  return auth.kind === 'token' ? [auth.token] : [auth.accessKey, auth.secretKey, auth.securityToken ?? ''].filter(Boolean);
}

function headerOf(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Reads at most `limit` bytes (+1, to tell "exactly the limit" from "more"), then destroys the
 * stream so a huge or endless body costs neither memory nor time.
 */
async function readBounded(body: Dispatcher.ResponseData['body'], limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const buffer = chunk as Buffer;
      const room = limit + 1 - size;
      chunks.push(buffer.length >= room ? buffer.subarray(0, room) : buffer);
      size += Math.min(buffer.length, room);
      if (size > limit) break;
    }
  } finally {
    if (!body.destroyed) body.destroy();
  }
  return Buffer.concat(chunks, size);
}
