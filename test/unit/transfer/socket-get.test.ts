import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveError } from '../../../src/errors.js';
import { openDownload } from '../../../src/transfer/download.js';
import type { ByteSource } from '../../../src/store/store.js';
import { readAll as readAllOf } from '../../support/byte-source.js';

const options = { allowHttp: true, connectTimeoutMs: 2_000, headersTimeoutMs: 2_000, bodyTimeoutMs: 2_000 };
const bytes = (length: number) => Buffer.from(Array.from({ length }, (_, i) => (i * 7) % 251));

/** Answers each path with raw bytes, written in the pieces given, so framing can split anywhere. */
const answers: Record<string, (socket: Socket) => void> = {};

/** A source to its end through one reused buffer smaller than most bodies here. */
const readAll = (source: ByteSource, bufferBytes = 1000) => readAllOf(source, bufferBytes);

describe('downloads read straight into the reader’s buffers', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((socket) => {
      let head = '';
      socket.on('data', (chunk) => {
        head += chunk.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        const path = /^GET (\S+)/.exec(head)?.[1] ?? '';
        head = '';
        answers[path.split('?')[0]!]?.(socket);
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('reads a Content-Length body whole through a buffer smaller than it, whatever the socket reads', async () => {
    const body = bytes(150_000);
    answers['/length'] = (socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`);
      socket.write(body.subarray(0, 7));
      setImmediate(() => socket.end(body.subarray(7)));
    };
    const opened = await openDownload(`${base}/length?Signature=s`, options);
    expect(opened.contentLength).toBe(body.length);
    expect(opened.body.size).toBe(body.length);
    expect((await readAll(opened.body, 4096)).equals(body)).toBe(true);
  });

  it('decodes a chunked body whose chunk sizes and data are split across reads', async () => {
    const body = bytes(5000);
    answers['/chunked'] = (socket) => {
      const wire = Buffer.concat([
        Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'),
        Buffer.from(`${(3000).toString(16)};ext=1\r\n`),
        body.subarray(0, 3000),
        Buffer.from(`\r\n${(2000).toString(16)}\r\n`),
        body.subarray(3000),
        Buffer.from('\r\n0\r\nX-Trailer: yes\r\n\r\n'),
      ]);
      // One byte at a time for the first hundred: every framing state meets a read boundary.
      let at = 0;
      const next = () => {
        if (at >= wire.length) return;
        const piece = at < 100 ? 1 : 997;
        socket.write(wire.subarray(at, at + piece));
        at += piece;
        setImmediate(next);
      };
      next();
    };
    const opened = await openDownload(`${base}/chunked`, options);
    expect(opened.contentLength).toBeUndefined();
    expect(await opened.body.more()).toBe(true);
    expect((await readAll(opened.body, 777)).equals(body)).toBe(true);
    expect(await opened.body.more()).toBe(false);
  });

  it('fails a body that ends before its Content-Length as a retryable truncation', async () => {
    answers['/short'] = (socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n');
      socket.end(bytes(40));
    };
    const opened = await openDownload(`${base}/short?Signature=SECRET`, options);
    const error = await readAll(opened.body).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ArchiveError);
    expect(error).toMatchObject({ kind: 'retryable', code: 'truncated' });
    expect(String((error as Error).message)).not.toContain('SECRET');
  });

  it('reads an empty body as ended at once', async () => {
    answers['/empty'] = (socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    const opened = await openDownload(`${base}/empty`, options);
    expect(await opened.body.more()).toBe(false);
    expect(await opened.body.fill(Buffer.alloc(10))).toBe(0);
  });

  it('reads a body that arrived whole, with the close, before the first fill', async () => {
    const body = bytes(3000);
    answers['/at-once-length'] = (socket) => socket.end(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n'), body]));
    answers['/at-once-close'] = (socket) => socket.end(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\n\r\n'), body]));
    for (const path of ['/at-once-length', '/at-once-close']) {
      const opened = await openDownload(`${base}${path}`, options);
      await new Promise((resolve) => setTimeout(resolve, 30)); // the reader is busy elsewhere meanwhile
      expect(await readAll(opened.body, 4096), path).toEqual(body);
    }
  });

  it('still fails a body cut short when the close came before the first fill', async () => {
    answers['/at-once-short'] = (socket) => socket.end(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n'), bytes(1000)]));
    const opened = await openDownload(`${base}/at-once-short`, options);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const error = await readAll(opened.body, 4096).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ kind: 'retryable', code: 'truncated' });
  });

  it('stops a download when its signal aborts, mid-body', async () => {
    answers['/stall'] = (socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc');
    const controller = new AbortController();
    const opened = await openDownload(`${base}/stall`, { ...options, signal: controller.signal });
    const reading = readAll(opened.body).then(() => undefined, (e: unknown) => e);
    controller.abort();
    expect((await reading as Error).name).toBe('AbortedError');
  });

  it('says a server that accepts and never answers is a retryable network failure, after the headers timeout', async () => {
    answers['/silent'] = () => undefined;
    const error = await openDownload(`${base}/silent`, { ...options, headersTimeoutMs: 50 }).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ kind: 'retryable', code: 'network' });
    expect(String((error as Error).message)).toContain('headers-timeout');
  });
});
