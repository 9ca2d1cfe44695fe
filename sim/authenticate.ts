/**
 * The API gateway's admission policy in front of every DCS call: an IAM token or a verified
 * AK/SK signature, the project header, temporary-credential tokens, and the lockout that punishes
 * clients which keep retrying bad credentials.
 */
import { timingSafeEqual } from 'node:crypto';
import type { SimCredentials } from './types.js';
import { verifySignature, type ReceivedRequest } from './verify-signature.js';

/** Real APIG locks an AK after this many failed authentications in a row... */
export const LOCK_AFTER_FAILURES = 5;
/** ...for this long. */
export const LOCK_DURATION_MS = 5 * 60 * 1000;

export type AuthOutcome =
  | { ok: true; signedHeaders?: string[] }
  | { ok: false; code: 'APIGW.0301' | 'APIGW.0307'; message: string; signedHeaders?: string[] };

interface LockState {
  failures: number;
  lockedUntil: number;
}

function sameSecret(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

export class Authenticator {
  private readonly locks = new Map<string, LockState>();

  constructor(
    private readonly credentials: SimCredentials,
    private readonly authToken: string | undefined,
  ) {}

  /** `projectId` is the one in the path; a signed request must name the same in X-Project-Id. */
  authenticate(request: ReceivedRequest, projectId: string, nowMs: number): AuthOutcome {
    const token = single(request.headers['x-auth-token']);
    if (token !== undefined) {
      // A token is scoped to its project when IAM issues it; the sim has one token for all projects.
      if (this.authToken !== undefined && sameSecret(token, this.authToken)) return { ok: true };
      return { ok: false, code: 'APIGW.0301', message: 'Incorrect IAM authentication information: the token is invalid or expired' };
    }

    const verified = verifySignature(
      request,
      (access) => (access === this.credentials.ak ? this.credentials.sk : undefined),
      nowMs,
    );
    const access = verified.access;
    const signedHeaders = verified.signedHeaders;
    if (access !== undefined) {
      const lock = this.locks.get(access);
      if (lock && nowMs < lock.lockedUntil) {
        return {
          ok: false,
          code: 'APIGW.0307',
          message: 'Incorrect IAM authentication information: the access key is locked after too many failed authentications; try again in 5 minutes',
          signedHeaders,
        };
      }
    }

    let failure: string | undefined = verified.ok ? undefined : verified.reason;
    if (failure === undefined) {
      const projectHeader = single(request.headers['x-project-id']);
      const securityToken = single(request.headers['x-security-token']);
      if (projectHeader === undefined) failure = 'the X-Project-Id header is missing';
      else if (projectHeader.trim() !== projectId) failure = 'X-Project-Id does not match the project in the path';
      else if (this.credentials.securityToken !== undefined) {
        if (securityToken === undefined) failure = 'the X-Security-Token header is missing for temporary credentials';
        else if (!sameSecret(securityToken.trim(), this.credentials.securityToken)) failure = 'the security token does not match';
      }
    }

    if (failure === undefined) {
      if (access !== undefined) this.locks.delete(access);
      return { ok: true, signedHeaders };
    }
    if (access !== undefined) this.recordFailure(access, nowMs);
    return {
      ok: false,
      code: 'APIGW.0301',
      message: `Incorrect IAM authentication information: verify aksk signature fail: ${failure}`,
      signedHeaders,
    };
  }

  private recordFailure(access: string, nowMs: number): void {
    const previous = this.locks.get(access);
    // The count restarts when a lock is set, so the first mistake after a lock expires is number one.
    const failures = (previous?.failures ?? 0) + 1;
    if (failures >= LOCK_AFTER_FAILURES) this.locks.set(access, { failures: 0, lockedUntil: nowMs + LOCK_DURATION_MS });
    else this.locks.set(access, { failures, lockedUntil: previous?.lockedUntil ?? 0 });
  }
}
