/**
 * The DCS simulator: a real HTTP server on loopback that speaks the run-log API of dcs-api.md,
 * verifies signatures, hands out pre-signed links and serves them, with faults on demand. The
 * archiver's tests and `npm run demo` run against it with nothing of ours mocked.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { handleApi } from './api-handlers.js';
import { Authenticator } from './authenticate.js';
import { assertTimeZone } from './calendar.js';
import { contentStream, hashContent, templateFor } from './content.js';
import { checkLink, issueLink } from './download-link.js';
import { cutConnection, parseRange, streamBody } from './download.js';
import { apiFaultAnswer, downloadFaultAnswer } from './fault-answers.js';
import { FaultPlan } from './faults.js';
import { dcsError, xmlError, type Answer } from './responses.js';
import { isDownloadPath, matchRoute, type Route } from './routes.js';
import { SimState, type StoredLog } from './state.js';
import type { SimFault, SimInstance, SimInstanceSpec, SimLog, SimLogSpec, SimOptions, SimReplica, SimRequest } from './types.js';
import { parseQuery } from './verify-signature.js';

const DEFAULT_LINK_TTL_MS = 24 * 60 * 60 * 1000;
/** DCS calls carry no body; anything this large is a client bug, refused rather than buffered. */
const MAX_API_BODY_BYTES = 1024 * 1024;
const DEFAULT_SLOW_API_MS = 1000;
const DEFAULT_SLOW_CHUNK_MS = 50;

function queryRecord(rawQuery: string): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [name, value] of parseQuery(rawQuery)) {
    record[name] = name in record ? `${record[name]},${value}` : value;
  }
  return record;
}

function hasAuthHeaders(headers: IncomingHttpHeaders): boolean {
  return headers.authorization !== undefined || headers['x-auth-token'] !== undefined || headers['x-security-token'] !== undefined;
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > MAX_API_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on('error', () => resolve(undefined));
    req.on('aborted', () => resolve(undefined));
  });
}

/** Bytes kept before a truncation: the fault's choice, else half, never the whole promise. */
function truncationPoint(length: number, truncateAt: number | undefined): number {
  const wanted = truncateAt ?? Math.floor(length / 2);
  return Math.max(0, Math.min(wanted, length - 1));
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** What a log serves: its given content, or the generated text of its seed and day (its size is never past the content's end). */
function bytesOf(log: StoredLog): Buffer {
  return log.content ?? templateFor(log.seed, log.date);
}

export class DcsSimulator {
  readonly endpoint: string;
  /** Every request received, in order; entries are updated in place when answered. */
  readonly requests: SimRequest[] = [];
  /** Every link handed out. The only place a link's query string is kept. */
  readonly issuedLinks: string[] = [];

  private readonly state: SimState;
  private readonly auth: Authenticator;
  private readonly faults = new FaultPlan();
  private readonly closing = new AbortController();
  private readonly now: () => number;
  private readonly linkSecret: string;
  private closed: Promise<void> | undefined;
  private requestCount = 0;
  private readonly instanceSalt = randomBytes(4).toString('hex');

  private constructor(
    private readonly server: Server,
    private readonly options: SimOptions,
  ) {
    this.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    this.now = options.now ?? Date.now;
    this.linkSecret = options.linkSecret ?? randomBytes(24).toString('base64url');
    this.state = new SimState(this.now, options.timeZone ?? 'UTC', options.collectDelayMs ?? 0);
    this.auth = new Authenticator(options.credentials, options.authToken);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      // Last resort only: handle() answers its own failures.
      this.handle(req, res).catch(() => res.destroy());
    });
  }

  static async start(options: SimOptions): Promise<DcsSimulator> {
    if (!options.credentials?.ak || !options.credentials.sk) throw new Error('sim: credentials.ak and credentials.sk are required');
    if (options.offsetBase !== undefined && options.offsetBase !== 0 && options.offsetBase !== 1) {
      throw new Error(`sim: offsetBase must be 0 or 1, got ${String(options.offsetBase)}`);
    }
    assertTimeZone(options.timeZone ?? 'UTC');
    const server = createServer({ keepAliveTimeout: 5_000 });
    await listen(server, options.port ?? 0);
    return new DcsSimulator(server, options);
  }

  // ---- fleet -------------------------------------------------------------------------------

  /** Creates the project implicitly; ids are UUID-like and deterministic per simulator. */
  addInstance(projectId: string, spec: SimInstanceSpec): SimInstance {
    return this.state.addInstance(projectId, spec);
  }

  addLog(projectId: string, instanceId: string, spec: SimLogSpec): SimLog {
    return this.state.addLog(projectId, instanceId, spec);
  }

  /** Appended verbatim to the instance's file_list, for malformed-item tests. */
  addRawItem(projectId: string, instanceId: string, item: unknown): void {
    this.state.addRawItem(projectId, instanceId, item);
  }

  /** What the listing currently shows (after retention), with current statuses. */
  logs(projectId: string, instanceId: string): SimLog[] {
    return this.state.logs(projectId, instanceId);
  }

  /** "Today" (yyyy-MM-dd) on the sim clock, in the sim's zone. */
  today(): string {
    return this.state.today();
  }

  setReplicaActive(projectId: string, instanceId: string, replicaId: string, active: boolean): void {
    this.state.setReplicaActive(projectId, instanceId, replicaId, active);
  }

  addReplica(projectId: string, instanceId: string, groupName: string): SimReplica {
    return this.state.addReplica(projectId, instanceId, groupName);
  }

  removeReplica(projectId: string, instanceId: string, replicaId: string): void {
    this.state.removeReplica(projectId, instanceId, replicaId);
  }

  // ---- content -----------------------------------------------------------------------------

  private mustLog(logId: string): StoredLog {
    const log = this.state.findLog(logId);
    if (!log) throw new Error(`sim: no log ${logId}`);
    return log;
  }

  /** Hex SHA-256 of the full content served for that log. */
  sha256(logId: string): Promise<string> {
    const log = this.mustLog(logId);
    return hashContent(bytesOf(log), log.size);
  }

  /** The bytes [start, end) the sim serves for that log; `end` is exclusive (like Buffer#subarray), default the size. */
  content(logId: string, start = 0, end?: number): NodeJS.ReadableStream {
    const log = this.mustLog(logId);
    const stop = Math.min(end ?? log.size, log.size);
    return contentStream(bytesOf(log), Math.max(0, Math.min(start, stop)), stop);
  }

  // ---- faults and records ------------------------------------------------------------------

  injectFault(fault: SimFault): void {
    this.faults.add(fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  resetRequests(): void {
    this.requests.length = 0;
  }

  /** Ends everything promptly: hanging responses, paced downloads, idle keep-alive sockets. */
  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      this.closing.abort();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closed;
  }

  // ---- HTTP --------------------------------------------------------------------------------

  private get isClosed(): boolean {
    return this.closing.signal.aborted;
  }

  private async sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.isClosed) return;
    await delay(ms, undefined, { signal: this.closing.signal }).catch(() => undefined);
  }

  private nextRequestId(): string {
    return `${this.instanceSalt}${(++this.requestCount).toString(16).padStart(24, '0')}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const rawQuery = q === -1 ? '' : rawUrl.slice(q + 1);
    const route = matchRoute(method, rawPath);
    const requestId = this.nextRequestId();
    res.setHeader('X-Request-Id', requestId);

    const record: SimRequest = {
      op: route?.op ?? 'unknown',
      method,
      path: rawPath,
      query: isDownloadPath(rawPath) ? {} : queryRecord(rawQuery),
      status: 0,
      at: this.now(),
      authHeaders: hasAuthHeaders(req.headers),
    };
    if (route?.projectId) record.projectId = route.projectId;
    if (route?.instanceId) record.instanceId = route.instanceId;
    if (route?.logId) record.logId = route.logId;
    this.requests.push(record);

    try {
      if (!route) {
        req.resume();
        return await this.send(res, record, dcsError(404, 'APIGW.0101', 'The API does not exist or has not been published in the environment.'));
      }
      if (route.op === 'download') return await this.download(req, res, record, route, rawPath, rawQuery, requestId);
      return await this.api(req, res, record, route, rawPath, rawQuery);
    } catch {
      // A simulator bug must not take the server down; the client sees a DCS-shaped 500 or a closed socket.
      if (res.headersSent || res.destroyed) res.destroy();
      else await this.send(res, record, dcsError(500, '111500000', 'Internal service error (simulator bug).'));
    }
  }

  private async api(req: IncomingMessage, res: ServerResponse, record: SimRequest, route: Route, rawPath: string, rawQuery: string): Promise<void> {
    await this.sleep(this.options.apiLatencyMs ?? 0);
    const body = await readBody(req);
    if (this.isClosed) return;
    if (body === undefined) return this.send(res, record, dcsError(413, 'APIGW.0201', 'Request entity too large.'));

    const auth = this.auth.authenticate({ method: record.method, rawPath, rawQuery, headers: req.headers, body }, route.projectId, this.now());
    if (auth.signedHeaders) record.signedHeaders = auth.signedHeaders;
    if (!auth.ok) return this.send(res, record, dcsError(401, auth.code, auth.message));

    const fault = this.faults.take(route);
    let truncate: SimFault | undefined;
    let expiredLink = false;
    if (fault) {
      switch (fault.kind) {
        case 'reset':
          return this.reset(req);
        case 'hang':
          return;
        case 'slow':
          await this.sleep(fault.delayMs ?? DEFAULT_SLOW_API_MS);
          break;
        case 'truncate':
          truncate = fault;
          break;
        case 'expired-link':
          expiredLink = true;
          break;
        default: {
          const answer = apiFaultAnswer(fault, route.op);
          if (answer) return this.send(res, record, answer);
        }
      }
    }

    const answer = handleApi({
      state: this.state,
      route,
      query: new URLSearchParams(rawQuery),
      offsetBase: this.options.offsetBase ?? 0,
      issueLink: (log) => this.issueLink(log, expiredLink),
    });
    return this.send(res, record, answer, truncate);
  }

  private issueLink(log: StoredLog, alreadyExpired: boolean): string {
    const nowMs = this.now();
    const expires = alreadyExpired ? Math.floor(nowMs / 1000) - 60 : Math.floor((nowMs + (this.options.linkTtlMs ?? DEFAULT_LINK_TTL_MS)) / 1000);
    const link = issueLink(this.endpoint, this.linkSecret, { projectId: log.projectId, logId: log.id, fileName: log.fileName }, expires);
    this.issuedLinks.push(link);
    return link;
  }

  private async download(
    req: IncomingMessage,
    res: ServerResponse,
    record: SimRequest,
    route: Route,
    rawPath: string,
    rawQuery: string,
    requestId: string,
  ): Promise<void> {
    req.resume();
    const check = checkLink(this.linkSecret, rawPath, rawQuery, this.now());
    if (!check.ok) return this.send(res, record, xmlError(403, 'AccessDenied', check.message, requestId));
    if (req.headers.authorization !== undefined) {
      // What S3/OBS say when a pre-signed URL also carries an Authorization header.
      return this.send(res, record, xmlError(400, 'InvalidArgument', 'Only one auth mechanism allowed; only the Signature query parameter or the Authorization header should be specified', requestId));
    }
    const log = this.state.findLog(route.logId ?? '');
    if (!log || log.projectId !== route.projectId || !this.state.isRetained(log)) {
      return this.send(res, record, xmlError(404, 'NoSuchKey', 'The specified key does not exist.', requestId));
    }

    record.instanceId = log.instanceId;
    const fault = this.faults.take({ op: 'download', instanceId: log.instanceId, logId: log.id });
    let chunkDelayMs = 0;
    if (fault) {
      switch (fault.kind) {
        case 'reset':
          return this.reset(req);
        case 'hang':
          return;
        case 'slow':
          chunkDelayMs = fault.delayMs ?? DEFAULT_SLOW_CHUNK_MS;
          await this.sleep(chunkDelayMs);
          break;
        case 'truncate':
          break;
        default: {
          const answer = downloadFaultAnswer(fault, requestId);
          if (answer) return this.send(res, record, answer);
        }
      }
    }

    const range = parseRange(req.headers.range, log.size);
    if (range === 'unsatisfiable') {
      const answer = xmlError(416, 'InvalidRange', 'The requested range is not satisfiable', requestId);
      return this.send(res, record, { ...answer, headers: { ...answer.headers, 'Content-Range': `bytes */${log.size}` } });
    }
    const start = range?.start ?? 0;
    const end = range?.end ?? log.size;
    const status = range ? 206 : 200;
    const headers: Record<string, string> = {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(end - start),
      'Accept-Ranges': 'bytes',
      ETag: `"${log.seed.toString(16)}-${log.size.toString(16)}"`,
      'Last-Modified': new Date(log.createdAt).toUTCString(),
    };
    if (range) headers['Content-Range'] = `bytes ${start}-${end - 1}/${log.size}`;

    await this.sleep(this.options.downloadFirstByteLatencyMs ?? 0);
    if (this.isClosed || res.destroyed) return;
    record.status = status;
    res.writeHead(status, headers);
    if (record.method === 'HEAD') {
      res.end();
      return;
    }
    const truncated = fault?.kind === 'truncate';
    await streamBody(res, {
      template: bytesOf(log),
      start,
      stopAt: truncated ? start + truncationPoint(end - start, fault.truncateAt) : end,
      cutConnection: truncated,
      bytesPerSecond: this.options.downloadBytesPerSecond ?? 0,
      chunkDelayMs,
      sleep: (ms) => this.sleep(ms),
      isClosed: () => this.isClosed,
    });
  }

  /** A TCP reset before any answer, as a crashing load balancer gives. */
  private reset(req: IncomingMessage): void {
    const socket = req.socket;
    if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
    else socket.destroy();
  }

  private async send(res: ServerResponse, record: SimRequest, answer: Answer, truncate?: SimFault): Promise<void> {
    if (this.isClosed || res.destroyed) return;
    const body = answer.body ?? Buffer.alloc(0);
    const headers: Record<string, string> = { ...answer.headers };
    if (answer.status !== 204) headers['Content-Length'] = String(body.length);
    record.status = answer.status;
    res.writeHead(answer.status, headers);
    if (truncate && body.length > 0) {
      res.write(body.subarray(0, truncationPoint(body.length, truncate.truncateAt)));
      return cutConnection(res);
    }
    res.end(answer.status === 204 ? undefined : body);
  }
}
