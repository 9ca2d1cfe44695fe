/**
 * TLS for the scenarios that need https: a throw-away self-signed certificate for 127.0.0.1
 * (made with the openssl command line, when there is one), and an https front for the simulator
 * that can rewrite what DCS answers (links, listing totals) the way a hostile or broken service would.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface Certificate {
  key: string;
  cert: string;
  /** The certificate's file, for NODE_EXTRA_CA_CERTS in a child process. */
  certPath: string;
}

/** A certificate for 127.0.0.1, localhost and `names`, or why there is none. */
export async function selfSignedCertificate(names: string[] = []): Promise<Certificate | { unavailable: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'archiver-faults-tls-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  try {
    await execFileAsync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', `subjectAltName=${['IP:127.0.0.1', 'DNS:localhost', ...names.map((name) => `DNS:${name}`)].join(',')}`]);
  } catch (error) {
    return { unavailable: `no self-signed certificate: openssl failed (${(error as Error).message.split('\n')[0]})` };
  }
  return { key: await readFile(keyPath, 'utf8'), cert: await readFile(certPath, 'utf8'), certPath };
}

export interface Rewrites {
  /** The link a link call answers with, given the simulator's and the log id; undefined keeps it. */
  link?: (link: string, logId: string, front: string) => string | undefined;
  /** The run-log listing's body, given as parsed JSON; return the body to send. */
  listing?: (body: Record<string, unknown>, instanceId: string) => Record<string, unknown>;
}

export interface TlsFront {
  /** `https://127.0.0.1:PORT` */
  endpoint: string;
  close(): Promise<void>;
}

/**
 * An https server forwarding everything to `upstream` (the simulator) with the Host header as the
 * client sent it, so request signatures still verify; answers are rewritten as `rewrites` say.
 */
export async function startTlsFront(upstream: string, certificate: Certificate, rewrites: Rewrites = {}): Promise<TlsFront> {
  const target = new URL(upstream);
  let front = '';
  const server: Server = createServer({ key: certificate.key, cert: certificate.cert }, (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const link = req.method === 'POST' && /\/redislog\/([^/]+)\/links$/.exec(path);
    const listing = req.method === 'GET' && /\/instances\/([^/]+)\/redislog$/.exec(path);
    const forward = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const rewrite = (link && rewrites.link) || (listing && rewrites.listing);
      if (!rewrite || answer.statusCode !== 200) {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        let body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        if (link && rewrites.link) {
          const replaced = rewrites.link(String(body.link), decodeURIComponent(link[1]!), front);
          if (replaced !== undefined) body = { ...body, link: replaced };
        } else if (listing && rewrites.listing) body = rewrites.listing(body, decodeURIComponent(listing[1]!));
        const text = Buffer.from(JSON.stringify(body));
        res.writeHead(200, { ...answer.headers, 'content-length': String(text.length) });
        res.end(text);
      });
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  front = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint: front,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
