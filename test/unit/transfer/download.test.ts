import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveError } from '../../../src/errors.js';
import { openDownload, probeSize } from '../../../src/transfer/download.js';

const options = (allowHttp: boolean) => ({ allowHttp, headersTimeoutMs: 5000, bodyTimeoutMs: 5000 });

async function reason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ArchiveError);
    return (error as ArchiveError).reason;
  }
  throw new Error('expected a failure');
}

describe('download links', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url?.startsWith('/gone')) res.writeHead(404).end();
      else if (req.url?.startsWith('/expired')) res.writeHead(403).end('<Error><Code>AccessDenied</Code></Error>');
      else if (req.headers.range === 'bytes=0-0') res.writeHead(206, { 'content-range': 'bytes 0-0/1234', 'content-length': '1' }).end('x');
      else res.writeHead(200, { 'content-length': '5' }).end('hello');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('refuses links that are not URLs, plain http, or aimed at private addresses unless allowed', async () => {
    expect(await reason(openDownload('not a url', options(false)))).toBe('download.bad-link');
    expect(await reason(openDownload('http://obs.example.com/x?Signature=s', options(false)))).toBe('download.insecure-link');
    for (const host of ['127.0.0.1', '10.1.2.3', '192.168.0.9', '169.254.169.254', '[::1]', '[fe80::1]', 'localhost', '[::ffff:10.0.0.1]']) {
      expect(await reason(openDownload(`https://${host}/bucket/x`, options(false))), host).toBe('download.private-link');
    }
  });

  it('classifies an expired link as retryable and a vanished file as permanent, without the query string', async () => {
    try {
      await openDownload(`${base}/expired?Signature=SECRETSIG`, options(true));
      throw new Error('expected a failure');
    } catch (error) {
      expect((error as ArchiveError).kind).toBe('retryable');
      expect(String((error as Error).message)).not.toContain('SECRETSIG');
    }
    expect(await reason(openDownload(`${base}/gone`, options(true)))).toBe('download.gone');
  });

  it('reads the size of a file from a one-byte ranged request', async () => {
    expect(await probeSize(`${base}/any`, options(true))).toBe(1234);
  });
});
