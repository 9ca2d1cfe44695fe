/**
 * Scenario 6: object storage answers the download with a redirect. A redirect may not downgrade
 * to http, nor lead to a private address, and never carries the link's query into an error.
 * `openDownload` (src/transfer/download.ts) runs directly against a local https server with a
 * self-signed certificate; links name an ordinary host that the test's dispatcher resolves to it.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, LookupFunction } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveError } from '../../src/errors.js';
import { openDownload, type DownloadOptions } from '../../src/transfer/download.js';
import { Evidence } from './harness.js';
import { selfSignedCertificate, type Certificate } from './tls.js';

const HOST = 'objects.example.test';
const QUERY = 'AWSAccessKeyId=SIMOBSKEY&Expires=4102444800&Signature=cmVkaXJlY3Qtc2VjcmV0';

describe('a redirect from the download link', () => {
  let certificate: Certificate | { unavailable: string };
  let https: Server;
  let http: HttpServer;
  let options: DownloadOptions;
  let httpsPort = 0;
  let httpPort = 0;
  const plainRequests: string[] = [];
  const evidence = new Evidence();

  beforeAll(async () => {
    certificate = await selfSignedCertificate([HOST]);
    if ('unavailable' in certificate) return;
    https = createServer({ key: certificate.key, cert: certificate.cert }, (req, res) => {
      const path = (req.url ?? '').split('?')[0];
      const to: Record<string, string> = {
        '/to-http': `http://${HOST}:${httpPort}/file?${QUERY}`,
        '/to-private': `https://10.1.2.3/file?${QUERY}`,
        '/to-https': `https://${HOST}:${httpsPort}/file?${QUERY}`,
        '/loop': `https://${HOST}:${httpsPort}/loop?${QUERY}`,
      };
      if (path === '/file') {
        res.writeHead(200, { 'content-length': '5' });
        res.end('hello');
      } else if (to[path!]) {
        res.writeHead(302, { location: to[path!] });
        res.end();
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    http = createHttpServer((req, res) => {
      plainRequests.push(req.url ?? '');
      res.end('downgraded');
    });
    await Promise.all([new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve)), new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))]);
    httpsPort = (https.address() as AddressInfo).port;
    httpPort = (http.address() as AddressInfo).port;
    // Trusts the test certificate and resolves the object storage host to this machine.
    const lookup = ((_host: string, lookupOptions: { all?: boolean }, callback: (error: Error | null, address: unknown, family?: number) => void) =>
      lookupOptions?.all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4)) as unknown as LookupFunction;
    options = { connect: { ca: certificate.cert, lookup }, allowHttp: false, headersTimeoutMs: 2_000, bodyTimeoutMs: 2_000 };
  });

  afterAll(async () => {
    https?.closeAllConnections();
    http?.closeAllConnections();
    await Promise.all([new Promise((resolve) => https?.close(resolve) ?? resolve(undefined)), new Promise((resolve) => http?.close(resolve) ?? resolve(undefined))]);
    await evidence.persist('redirect-downgrade');
  });

  const link = (path: string) => `https://${HOST}:${httpsPort}${path}?${QUERY}`;
  const refusal = async (path: string): Promise<ArchiveError> => {
    const error = await openDownload(link(path), options).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ArchiveError);
    evidence.error(path, error);
    return error as ArchiveError;
  };

  it('follows an https redirect to the file (the control case)', async (context) => {
    if ('unavailable' in certificate) return context.skip(certificate.unavailable);
    const opened = await openDownload(link('/to-https'), options);
    const body = Buffer.alloc(16);
    expect(body.toString('utf8', 0, await opened.body.fill(body))).toBe('hello');
  });

  it('refuses a redirect from https to http, without a request to the http address', async (context) => {
    if ('unavailable' in certificate) return context.skip(certificate.unavailable);
    const error = await refusal('/to-http');
    expect(error).toMatchObject({ kind: 'file', reason: 'download.insecure-link' });
    expect(error.message).toContain('https is required');
    expect(plainRequests).toEqual([]);
  });

  it('refuses a redirect to a private address', async (context) => {
    if ('unavailable' in certificate) return context.skip(certificate.unavailable);
    expect(await refusal('/to-private')).toMatchObject({ kind: 'file', reason: 'download.private-link' });
  });

  it('stops following an endless chain of redirects', async (context) => {
    if ('unavailable' in certificate) return context.skip(certificate.unavailable);
    expect((await refusal('/loop')).reason).toMatch(/^download\.http-30\d$/);
  });

  it('puts neither the link query nor the redirect query into any error', (context) => {
    if ('unavailable' in certificate) return context.skip(certificate.unavailable);
    evidence.secret(QUERY, 'cmVkaXJlY3Qtc2VjcmV0');
    expect(evidence.count).toBeGreaterThanOrEqual(3);
    expect(evidence.leaks()).toEqual([]);
  });
});
