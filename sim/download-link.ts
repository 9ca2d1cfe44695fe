/**
 * Pre-signed download links shaped like OBS's (query-string auth, V2 style), so the archiver
 * meets the same things it meets in production: a credential in the query, an expiry, and an
 * unsigned GET that must carry no DCS headers.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const LINK_ACCESS_KEY_ID = 'SIMOBSKEY';
const LINK_PATH = /^\/obs\/([^/]+)\/([^/]+)\/([^/]+)$/;

export interface LinkTarget {
  projectId: string;
  logId: string;
  fileName: string;
}

/** The path carries the file name like an object key does; the query carries the credential. */
export function linkPath(target: LinkTarget): string {
  return `/obs/${encodeURIComponent(target.projectId)}/${encodeURIComponent(target.logId)}/${encodeURIComponent(target.fileName)}`;
}

export function parseLinkPath(rawPath: string): LinkTarget | undefined {
  const m = LINK_PATH.exec(rawPath);
  if (!m) return undefined;
  try {
    return { projectId: decodeURIComponent(m[1]!), logId: decodeURIComponent(m[2]!), fileName: decodeURIComponent(m[3]!) };
  } catch {
    return undefined;
  }
}

function signature(secret: string, rawPath: string, expires: number): string {
  return createHmac('sha1', secret).update(`GET\n\n\n${expires}\n${rawPath}`).digest('base64');
}

export function issueLink(endpoint: string, secret: string, target: LinkTarget, expiresEpochSeconds: number): string {
  const path = linkPath(target);
  const query = new URLSearchParams({
    AWSAccessKeyId: LINK_ACCESS_KEY_ID,
    Expires: String(expiresEpochSeconds),
    Signature: signature(secret, path, expiresEpochSeconds),
  });
  return `${endpoint}${path}?${query.toString()}`;
}

export type LinkCheck = { ok: true } | { ok: false; message: string };

/** Signature first, then expiry, as OBS does; messages never echo the query. */
export function checkLink(secret: string, rawPath: string, rawQuery: string, nowMs: number): LinkCheck {
  const query = new URLSearchParams(rawQuery);
  const access = query.get('AWSAccessKeyId');
  const expiresText = query.get('Expires');
  const provided = query.get('Signature');
  if (access === null || expiresText === null || provided === null) {
    return { ok: false, message: 'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters' };
  }
  if (access !== LINK_ACCESS_KEY_ID || !/^\d+$/.test(expiresText)) {
    return { ok: false, message: 'The request signature we calculated does not match the signature you provided.' };
  }
  const expires = Number(expiresText);
  const expected = Buffer.from(signature(secret, rawPath, expires));
  const given = Buffer.from(provided);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, message: 'The request signature we calculated does not match the signature you provided.' };
  }
  if (expires * 1000 < nowMs) return { ok: false, message: 'Request has expired' };
  return { ok: true };
}
