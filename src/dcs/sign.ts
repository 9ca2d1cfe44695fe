import { createHash, createHmac } from 'node:crypto';

/**
 * Huawei Cloud's `SDK-HMAC-SHA256` request signing (the Go SDK's `core/auth/signer`).
 * The pieces are exported so the official test vectors can be checked one step at a time.
 */

export const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Percent-encodes everything except `A-Za-z0-9-_.~` (RFC 3986 unreserved); space becomes `%20`. */
export function rfc3986Encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Each segment of the path is decoded and re-encoded, so a path already percent-encoded on the
 * wire and the same path built from raw ids sign identically (what the gateway's verifier does).
 * The trailing `/` exists only in the signature: the request is sent without it.
 */
export function canonicalUri(pathname: string): string {
  const encoded = pathname
    .split('/')
    .map((segment) => rfc3986Encode(safeDecode(segment)))
    .join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

/** Sorted by name, then by value for repeated names; `k=v` joined by `&`; empty when none. */
export function canonicalQuery(params: URLSearchParams | Iterable<readonly [string, string]>): string {
  const pairs = [...params].map(([name, value]) => [rfc3986Encode(name), rfc3986Encode(value)] as const);
  pairs.sort(([nameA, valueA], [nameB, valueB]) => compare(nameA, nameB) || compare(valueA, valueB));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

export interface CanonicalRequestInput {
  method: string;
  url: URL;
  /** Every header that is signed must be here; names are matched case-insensitively. */
  headers: Record<string, string>;
  /** Lower-case names; sorted here. */
  signedHeaders: readonly string[];
  /** Hex SHA-256 of the exact body bytes sent. */
  bodySha256: string;
}

export function canonicalRequest(input: CanonicalRequestInput): string {
  const byName = new Map(Object.entries(input.headers).map(([name, value]) => [name.toLowerCase(), value]));
  const signed = sortedSignedHeaders(input.signedHeaders);
  const headerLines = signed.map((name) => {
    const value = byName.get(name);
    if (value === undefined) throw new Error(`signed header ${name} is missing from the request`);
    return `${name}:${value.trim()}\n`;
  });
  return [
    input.method.toUpperCase(),
    canonicalUri(input.url.pathname),
    canonicalQuery(input.url.searchParams),
    headerLines.join(''),
    signed.join(';'),
    input.bodySha256,
  ].join('\n');
}

export function stringToSign(canonical: string, sdkDate: string): string {
  return `${SIGNING_ALGORITHM}\n${sdkDate}\n${sha256Hex(canonical)}`;
}

/** Hex HMAC-SHA256 keyed with the SK's UTF-8 bytes; no key derivation in this scheme. */
export function signature(toSign: string, secretKey: string): string {
  return createHmac('sha256', Buffer.from(secretKey, 'utf8')).update(toSign, 'utf8').digest('hex');
}

export function authorizationHeader(accessKey: string, signedHeaders: readonly string[], sig: string): string {
  return `${SIGNING_ALGORITHM} Access=${accessKey}, SignedHeaders=${sortedSignedHeaders(signedHeaders).join(';')}, Signature=${sig}`;
}

/** `YYYYMMDDTHHMMSSZ` in UTC. */
export function formatSdkDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface SignRequestInput {
  method: string;
  url: URL;
  /** Headers to send besides the auth ones; `content-type` is signed when present. */
  headers: Record<string, string>;
  body: Uint8Array | string | undefined;
  accessKey: string;
  secretKey: string;
  securityToken?: string;
  date: Date;
  projectId?: string;
}

/**
 * Returns every header to send: the caller's, plus Host, X-Sdk-Date, X-Project-Id and
 * X-Security-Token when given, and Authorization. Host is returned too so the value signed is the
 * value sent.
 */
export function signRequest(input: SignRequestInput): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers)) {
    if (!isAuthHeader(name)) headers[name] = value;
  }
  headers['Host'] = input.url.host;
  headers['X-Sdk-Date'] = formatSdkDate(input.date);
  if (input.projectId !== undefined) headers['X-Project-Id'] = input.projectId;
  if (input.securityToken !== undefined) headers['X-Security-Token'] = input.securityToken;

  const signable = new Set(['host', 'x-sdk-date', 'x-project-id', 'x-security-token', 'content-type']);
  const signedHeaders = Object.keys(headers)
    .map((name) => name.toLowerCase())
    .filter((name) => signable.has(name));
  const canonical = canonicalRequest({
    method: input.method,
    url: input.url,
    headers,
    signedHeaders,
    bodySha256: input.body === undefined ? EMPTY_BODY_SHA256 : sha256Hex(input.body),
  });
  const sig = signature(stringToSign(canonical, headers['X-Sdk-Date']), input.secretKey);
  headers['Authorization'] = authorizationHeader(input.accessKey, signedHeaders, sig);
  return headers;
}

function isAuthHeader(name: string): boolean {
  // The caller's copies of these would be sent twice or contradict what was signed.
  return ['host', 'x-sdk-date', 'x-project-id', 'x-security-token', 'authorization'].includes(name.toLowerCase());
}

function sortedSignedHeaders(names: readonly string[]): string[] {
  return [...new Set(names.map((name) => name.toLowerCase()))].sort(compare);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A stray `%` is literal text; encoding it again keeps the signature well defined.
    return segment;
  }
}
