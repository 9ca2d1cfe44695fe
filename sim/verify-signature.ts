/**
 * Server-side SDK-HMAC-SHA256 verification, written independently of the archiver's signer
 * (src/dcs/sign.ts) so a shared misreading of the spec cannot make both sides agree on a wrong
 * signature. It recomputes the canonical request from the request exactly as received.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';
/** DCS (APIG) rejects an `X-Sdk-Date` further than this from its own clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

export interface ReceivedRequest {
  method: string;
  /** The path as received, still percent-encoded, without the query. */
  rawPath: string;
  /** The query as received, without the leading `?`. */
  rawQuery: string;
  /** Node's lower-cased header map. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface ParsedAuthorization {
  access: string;
  /** Lower-case names in the order the client listed them. */
  signedHeaders: string[];
  signature: string;
}

export type VerifyResult =
  | { ok: true; access: string; signedHeaders: string[] }
  | { ok: false; access?: string; signedHeaders?: string[]; reason: string };

/** RFC 3986 unreserved characters stay literal; everything else is %XX (space is %20, never `+`). */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    // A stray `%` in a path is the client's problem; signing its raw text keeps us deterministic.
    return value;
  }
}

/**
 * The SDKs sign the decoded path with every segment re-encoded, so `%2F` inside a segment and a
 * literal `/` differ. The trailing `/` exists only in the canonical form.
 */
export function canonicalUri(rawPath: string): string {
  const encoded = rawPath
    .split('/')
    .map((segment) => percentEncode(safeDecode(segment)))
    .join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

/** Decodes a raw query into ordered pairs; `+` means space, as in form encoding. */
export function parseQuery(rawQuery: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? '' : part.slice(eq + 1);
    pairs.push([safeDecode(name.replace(/\+/g, ' ')), safeDecode(value.replace(/\+/g, ' '))]);
  }
  return pairs;
}

/** Sorted by name, then by value for repeated names (as the Go SDK does), each side percent-encoded. */
export function canonicalQuery(rawQuery: string): string {
  return parseQuery(rawQuery)
    .map(([name, value]) => [percentEncode(name), percentEncode(value)] as const)
    .sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function headerValue(headers: ReceivedRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(',') : value;
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The six lines of the canonical request. Returns undefined when a signed header was not sent,
 * because then no canonical request can be formed.
 */
export function canonicalRequest(request: ReceivedRequest, signedHeaders: string[]): string | undefined {
  const lines: string[] = [];
  for (const name of signedHeaders) {
    const value = headerValue(request.headers, name);
    if (value === undefined) return undefined;
    lines.push(`${name}:${value.trim()}\n`);
  }
  return [
    request.method.toUpperCase(),
    canonicalUri(request.rawPath),
    canonicalQuery(request.rawQuery),
    lines.join(''),
    signedHeaders.join(';'),
    sha256Hex(request.body),
  ].join('\n');
}

export function stringToSign(sdkDate: string, canonical: string): string {
  return `${SIGNING_ALGORITHM}\n${sdkDate}\n${sha256Hex(canonical)}`;
}

export function computeSignature(secretKey: string, sdkDate: string, canonical: string): string {
  return createHmac('sha256', Buffer.from(secretKey, 'utf8')).update(stringToSign(sdkDate, canonical)).digest('hex');
}

/** `SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex`; tolerant of spacing, strict on content. */
export function parseAuthorization(header: string): ParsedAuthorization | undefined {
  const trimmed = header.trim();
  if (!trimmed.startsWith(`${SIGNING_ALGORITHM} `)) return undefined;
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(SIGNING_ALGORITHM.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq === -1) return undefined;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const access = fields.get('Access');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!access || !signedHeaders || !signature) return undefined;
  return { access, signedHeaders: signedHeaders.split(';').map((h) => h.trim().toLowerCase()), signature };
}

/** `YYYYMMDDTHHMMSSZ` → epoch ms, or undefined when it is not exactly that shape. */
export function parseSdkDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(ms);
  // Date.UTC rolls 20060230 over to March; a real gateway would refuse it.
  return check.getUTCDate() === d && check.getUTCMonth() === mo - 1 ? ms : undefined;
}

function equalHex(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/**
 * Checks the Authorization header against the one secret key this AK maps to. Does not decide
 * policy beyond the signature itself and the clock (project and security-token checks live with
 * the caller, which knows the path).
 */
export function verifySignature(
  request: ReceivedRequest,
  secretFor: (access: string) => string | undefined,
  nowMs: number,
): VerifyResult {
  const authorization = headerValue(request.headers, 'authorization');
  if (authorization === undefined) return { ok: false, reason: 'the Authorization header is missing' };
  const parsed = parseAuthorization(authorization);
  if (!parsed) return { ok: false, reason: `the Authorization header is not ${SIGNING_ALGORITHM}` };
  const { access, signedHeaders } = parsed;
  const fail = (reason: string): VerifyResult => ({ ok: false, access, signedHeaders, reason });

  const secret = secretFor(access);
  if (secret === undefined) return fail('the access key is unknown');
  if (!signedHeaders.includes('x-sdk-date')) return fail('X-Sdk-Date is not among the signed headers');
  const sdkDate = headerValue(request.headers, 'x-sdk-date');
  if (sdkDate === undefined) return fail('the X-Sdk-Date header is missing');
  const signedAt = parseSdkDate(sdkDate);
  if (signedAt === undefined) return fail('X-Sdk-Date is not in YYYYMMDDTHHMMSSZ form');
  if (Math.abs(nowMs - signedAt) > MAX_CLOCK_SKEW_MS) {
    return fail('X-Sdk-Date is more than 15 minutes away from the server time (check the clock)');
  }
  const missing = signedHeaders.find((name) => headerValue(request.headers, name) === undefined);
  if (missing !== undefined) return fail(`the signed header ${missing} was not sent`);
  const canonical = canonicalRequest(request, signedHeaders);
  if (canonical === undefined) return fail('a signed header was not sent');
  if (!equalHex(computeSignature(secret, sdkDate.trim(), canonical), parsed.signature.toLowerCase())) {
    return fail('the request signature we calculated does not match the signature you provided');
  }
  return { ok: true, access, signedHeaders };
}
