/**
 * A download over TLS whose whole answer, and the server's close, arrive before the reader asks
 * for the first bytes: TLS hands the close over even while the socket is paused, so the body
 * must be judged by the bytes held, not by the close alone (small run logs arrive this way).
 */
import { createServer, type Server } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDownload } from '../../src/transfer/download.js';
import { readAll } from '../support/byte-source.js';
import { selfSignedCertificate, type Certificate } from './tls.js';

const body = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 251));

describe('TLS downloads that end before the first fill', () => {
  let certificate: Certificate | { unavailable: string };
  let server: Server | undefined;
  let base = '';
  const answers: Record<string, Buffer> = {
    '/length': Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n'), body]),
    '/close': Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\n\r\n'), body]),
    '/short': Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n'), body.subarray(0, 1000)]),
  };

  beforeAll(async () => {
    certificate = await selfSignedCertificate();
    if ('unavailable' in certificate) return;
    server = createServer({ key: certificate.key, cert: certificate.cert }, (socket) => {
      socket.on('error', () => undefined);
      socket.once('data', (chunk: Buffer) => {
        const path = /^GET (\S+)/.exec(chunk.toString('latin1'))?.[1] ?? '';
        socket.end(answers[path] ?? 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    if (server) await new Promise((resolve) => server!.close(resolve));
  });

  // allowHttp only lets this loopback address through; the link is https all the same.
  const open = async (path: string) => {
    if ('unavailable' in certificate) throw new Error(certificate.unavailable);
    const opened = await openDownload(`${base}${path}`, { allowHttp: true, connect: { ca: certificate.cert }, connectTimeoutMs: 2_000, headersTimeoutMs: 2_000, bodyTimeoutMs: 2_000 });
    await new Promise((resolve) => setTimeout(resolve, 30)); // the reader is busy elsewhere meanwhile
    return opened.body;
  };

  it('reads a Content-Length body and a close-framed body whole, every time', async (context) => {
    if ('unavailable' in certificate) return context.skip(certificate.unavailable);
    for (let round = 0; round < 10; round++) {
      expect(await readAll(await open('/length')), `length, round ${round}`).toEqual(body);
      expect(await readAll(await open('/close')), `close, round ${round}`).toEqual(body);
    }
  });

  it('still fails a body cut short as a retryable truncation', async (context) => {
    if ('unavailable' in certificate) return context.skip(certificate.unavailable);
    const error = await readAll(await open('/short')).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ kind: 'retryable', code: 'truncated' });
  });
});
