/**
 * The tests' own tiny SDK-HMAC-SHA256 signer and fetch wrapper. Deliberately separate from both
 * src/dcs (the archiver's signer) and sim/verify-signature.ts, so a test passes only when two
 * independent readings of the spec agree.
 */
import { createHash, createHmac } from 'node:crypto';
import type { DcsSimulator } from '../../../sim/index.js';
import { TEST_AK, TEST_PROJECT_ID, TEST_SK } from '../../support/secrets.js';

/** 2024-04-16T10:00:00Z: the one reference time of these tests. */
export const T0 = Date.UTC(2024, 3, 16, 10, 0, 0);
export const DAY = 86_400_000;

export function clock(start = T0): { now: () => number; set: (ms: number) => void; advance: (ms: number) => void } {
  let t = start;
  return {
    now: () => t,
    set: (ms) => {
      t = ms;
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

const rfc3986 = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
const hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

export function sdkDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export interface SignInput {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
  ak?: string;
  sk?: string;
}

/** Returns the Authorization header for a request whose every given header is signed. */
export function authorization({ method, url, headers, body = '', ak = TEST_AK, sk = TEST_SK }: SignInput): string {
  const names = Object.keys(headers).map((h) => h.toLowerCase()).sort();
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const pairs = [...url.searchParams.entries()].map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).sort();
  const path = url.pathname.split('/').map((s) => rfc3986(decodeURIComponent(s))).join('/');
  const canonical = [
    method,
    path.endsWith('/') ? path : `${path}/`,
    pairs.join('&'),
    names.map((n) => `${n}:${(lower[n] ?? '').trim()}\n`).join(''),
    names.join(';'),
    hex(body),
  ].join('\n');
  const date = lower['x-sdk-date'] ?? '';
  const signature = createHmac('sha256', sk).update(`SDK-HMAC-SHA256\n${date}\n${hex(canonical)}`).digest('hex');
  return `SDK-HMAC-SHA256 Access=${ak}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
}

export interface CallOptions {
  method?: string;
  body?: string;
  /** Time to put in X-Sdk-Date (default: the sim clock passed in `at`). */
  at: number;
  projectId?: string;
  ak?: string;
  sk?: string;
  /** Extra headers, signed too. */
  headers?: Record<string, string>;
  /** Send these bytes instead of the signed `body` (to prove the body hash is checked). */
  sentBody?: string;
  /** Mutate the signed headers after signing (to prove tampering is caught). */
  tamper?: (headers: Record<string, string>) => void;
}

/** A signed DCS call against the simulator, the way the archiver makes it. */
export async function call(sim: DcsSimulator, pathAndQuery: string, options: CallOptions): Promise<Response> {
  const url = new URL(pathAndQuery, sim.endpoint);
  const method = options.method ?? 'GET';
  const signed: Record<string, string> = {
    Host: url.host,
    'X-Sdk-Date': sdkDate(options.at),
    'X-Project-Id': options.projectId ?? TEST_PROJECT_ID,
    ...options.headers,
  };
  const headers: Record<string, string> = {
    ...signed,
    Authorization: authorization({ method, url, headers: signed, body: options.body, ak: options.ak, sk: options.sk }),
  };
  options.tamper?.(headers);
  // fetch sets Host itself from the URL (and refuses to be told otherwise).
  delete headers.Host;
  return fetch(url, { method, headers, body: options.sentBody ?? options.body });
}

/** Shorthand for the run-log paths of the default test project. */
export function p(path: string): string {
  return `/v2/${TEST_PROJECT_ID}${path}`;
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}
