import { BlockList, isIP } from 'node:net';
import { AbortedError, ArchiveError } from '../errors.js';
import { redactUrl } from '../redact.js';
import { classifiedSource } from '../store/parts.js';
import type { ByteSource } from '../store/store.js';
import { GetFailure, socketGet, type ConnectOptions, type GetAnswer } from '../http/socket-get.js';

export interface DownloadOptions {
  /** Trusted certificates and name resolution for object storage; the system's when absent (tests point them at a local server). */
  connect?: ConnectOptions;
  /** Accept http:// links (local simulators only). */
  allowHttp: boolean;
  /** TCP (+ TLS) connect; 10 s when absent. */
  connectTimeoutMs?: number;
  headersTimeoutMs: number;
  /** Longest silence while the body streams. */
  bodyTimeoutMs: number;
  signal?: AbortSignal;
}

export interface OpenDownload {
  /** Read by copying into the reader's buffers; its errors are already classified. */
  body: ByteSource;
  /** From Content-Length; undefined when the server did not say. */
  contentLength: number | undefined;
  /** The whole file's size from Content-Range (`bytes a-b/TOTAL`) of a ranged answer. */
  totalBytes: number | undefined;
}

const MAX_REDIRECTS = 3;

/**
 * Opens a pre-signed link with a plain GET: no DCS credentials ever go to object storage.
 * Redirects are followed by hand so one can never downgrade to http.
 */
export async function openDownload(link: string, options: DownloadOptions, range?: string): Promise<OpenDownload> {
  let url = checkedUrl(link, options.allowHttp);
  for (let hop = 0; ; hop++) {
    let response: GetAnswer;
    try {
      response = await socketGet(url, {
        headers: range ? { range } : {},
        ...options.connect,
        connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
        headersTimeoutMs: options.headersTimeoutMs,
        bodyTimeoutMs: options.bodyTimeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      throw classifyNetworkError(error, url);
    }
    const { status: statusCode, headers, body } = response;
    if (statusCode >= 300 && statusCode < 400 && typeof headers.location === 'string' && hop < MAX_REDIRECTS) {
      body.destroy();
      url = checkedUrl(new URL(headers.location, url).toString(), options.allowHttp);
      continue;
    }
    if (statusCode !== 200 && statusCode !== 206) {
      body.destroy();
      throw statusError(statusCode, url, headers['retry-after']);
    }
    const length = headers['content-length'];
    const contentLength = typeof length === 'string' && /^\d+$/.test(length) ? Number(length) : undefined;
    const total = /\/(\d+)$/.exec(typeof headers['content-range'] === 'string' ? headers['content-range'] : '');
    return { body: classifiedBody(body, url), contentLength, totalBytes: statusCode === 206 && total ? Number(total[1]) : contentLength };
  }
}

/**
 * The size of the file behind a link, without downloading it: `Range: bytes=0-0` answers
 * 206 with the total in Content-Range (or 200 with the whole length, or 416 when empty).
 */
export async function probeSize(link: string, options: DownloadOptions): Promise<number> {
  let opened: OpenDownload;
  try {
    opened = await openDownload(link, options, 'bytes=0-0');
  } catch (error) {
    if (error instanceof ArchiveError && error.source === 'download' && error.code === 'http-416') return 0;
    throw error;
  }
  opened.body.destroy();
  if (opened.totalBytes === undefined) throw new ArchiveError('download', 'file', 'no-size', 'object storage did not say the size of the file');
  return opened.totalBytes;
}

/**
 * The body with its errors already classified: a connection that closes, resets or falls silent
 * mid-body is a retryable truncation.
 */
function classifiedBody(body: ByteSource, url: URL): ByteSource {
  const classify = (error: unknown): unknown =>
    error instanceof ArchiveError || error instanceof AbortedError ? error
    : error instanceof GetFailure && error.stage === 'aborted' ? new AbortedError('stopped while downloading')
    : error instanceof GetFailure ? new ArchiveError('download', 'retryable', 'truncated', `download of ${redactUrl(url.toString())} broke off: ${error.code}`)
    : error;
  return classifiedSource(body, classify);
}

function checkedUrl(link: string, allowHttp: boolean): URL {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    throw new ArchiveError('download', 'file', 'bad-link', 'the download link is not a URL');
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) {
    throw new ArchiveError('download', 'file', 'insecure-link', `refusing ${url.protocol} download link ${redactUrl(url.toString())}: https is required unless dcs.allowHttp is set`);
  }
  // A link is object storage on the internet; one aimed at this machine or its network is
  // refused, unless a local simulator is explicitly allowed.
  if (!allowHttp && isPrivateHost(url.hostname)) {
    throw new ArchiveError('download', 'file', 'private-link', `refusing download link to private address ${url.hostname}: allowed only with dcs.allowHttp (local simulators)`);
  }
  return url;
}

const PRIVATE = new BlockList();
for (const [network, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16]] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10]] as const) PRIVATE.addSubnet(network, prefix, 'ipv6');

function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host)?.[1];
  const family = isIP(mapped ?? host);
  if (family === 4) return PRIVATE.check(mapped ?? host, 'ipv4');
  if (family === 6) return PRIVATE.check(host, 'ipv6');
  return false;
}

function statusError(status: number, url: URL, retryAfter: string | string[] | undefined): ArchiveError {
  const where = redactUrl(url.toString());
  if (status === 403) {
    // An expired or revoked pre-signed link: a fresh one is obtained on the next attempt.
    return new ArchiveError('download', 'retryable', 'link-rejected', `object storage refused the download link for ${where} (403): expired or revoked; a fresh link will be obtained`);
  }
  if (status === 404 || status === 410) return new ArchiveError('download', 'file', 'gone', `the file at ${where} is gone (${status})`);
  if (status === 429 || status >= 500) {
    const seconds = typeof retryAfter === 'string' && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : undefined;
    return new ArchiveError('download', 'retryable', `http-${status}`, `download of ${where} answered ${status}`, { retryAfterMs: seconds, throttled: status === 429 });
  }
  return new ArchiveError('download', 'file', `http-${status}`, `download of ${where} answered ${status}`);
}

function classifyNetworkError(error: unknown, url: URL): Error {
  if (error instanceof ArchiveError) return error;
  if (error instanceof GetFailure && error.stage === 'aborted') return new AbortedError('stopped while downloading');
  const code = error instanceof GetFailure ? error.code : ((error as { code?: string })?.code ?? (error as Error)?.name ?? 'error');
  return new ArchiveError('download', 'retryable', 'network', `download of ${redactUrl(url.toString())} failed: ${code}`);
}
