/**
 * A tiny HTTP proxy between the archiver and the bucket that counts requests by kind and, when
 * asked, answers some of them itself with an error (a throttling storm). Headers (Host
 * included) are forwarded verbatim, so SigV4 signatures made for the proxy's address still
 * verify at the store. Plain Node (no vitest imports), so the benchmarks use it too.
 */
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type RequestKind =
  | 'GET object'
  | 'LIST objects'
  | 'HEAD object'
  | 'PUT object'
  | 'PUT part'
  | 'create upload'
  | 'complete upload'
  | 'abort upload'
  | 'list uploads'
  | 'DELETE object'
  | 'other';

export interface CountedRequest {
  kind: RequestKind;
  /** Path without the query string (bucket/key). */
  path: string;
  status: number;
  /** Once per pass, whatever the instance count: the start-up bucket check and the run report. */
  perPass: boolean;
}

/** An error the proxy answers in the store's place: S3's XML error body with its status. */
export interface InjectedAnswer {
  status: number;
  code: string;
}

export interface CountingProxy {
  endpoint: string;
  requests: CountedRequest[];
  /** Decides, per request, whether the proxy answers it with an error instead of forwarding it. */
  inject(decide: ((request: CountedRequest) => InjectedAnswer | undefined) | undefined): void;
  reset(): void;
  close(): Promise<void>;
}

export function kindOf(method: string, url: URL): RequestKind {
  const q = url.searchParams;
  if (method === 'GET' && q.has('list-type')) return 'LIST objects';
  if (method === 'GET' && q.has('uploads')) return 'list uploads';
  if (method === 'GET') return 'GET object';
  if (method === 'HEAD') return 'HEAD object';
  if (method === 'PUT' && q.has('partNumber')) return 'PUT part';
  if (method === 'PUT') return 'PUT object';
  if (method === 'POST' && q.has('uploads')) return 'create upload';
  if (method === 'POST' && q.has('uploadId')) return 'complete upload';
  if (method === 'DELETE' && q.has('uploadId')) return 'abort upload';
  if (method === 'DELETE') return 'DELETE object';
  return 'other';
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const requests: CountedRequest[] = [];
  let decide: ((request: CountedRequest) => InjectedAnswer | undefined) | undefined;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const kind = kindOf(req.method ?? 'GET', url);
    const path = decodeURIComponent(url.pathname);
    const perPass = (kind === 'LIST objects' && url.searchParams.get('max-keys') === '1') || (kind === 'PUT object' && path.includes('/runs/'));
    const entry: CountedRequest = { kind, path, status: 0, perPass };
    requests.push(entry);
    const injected = decide?.(entry);
    if (injected) {
      entry.status = injected.status;
      req.resume();
      req.on('end', () => {
        res.writeHead(injected.status, { 'content-type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${injected.code}</Code><Message>injected by the test proxy</Message></Error>`);
      });
      return;
    }
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        entry.status = answer.statusCode ?? 0;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    inject: (next) => {
      decide = next;
    },
    reset: () => {
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}

export function countByKind(requests: CountedRequest[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of requests) counts[r.kind] = (counts[r.kind] ?? 0) + 1;
  return counts;
}
