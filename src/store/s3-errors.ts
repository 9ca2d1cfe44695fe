import { AbortedError, ArchiveError, type FailureKind } from '../errors.js';

/** What an S3 error message may say about where the failure happened. Never a credential. */
export interface S3ErrorContext {
  /** e.g. `upload`, `list`, `check`. */
  operation: string;
  bucket: string;
  /** The object key or listing prefix, bucket-relative (already includes the destination prefix). */
  key?: string;
  /** Endpoint origin without credentials, or undefined for AWS. */
  endpoint?: string;
  region: string;
  /** Strings that must never reach a message (explicit credentials), replaced before use. */
  secrets: readonly string[];
}

interface SdkErrorShape {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string; extendedRequestId?: string };
  $response?: { headers?: Record<string, string | undefined> };
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
]);
const THROTTLING_CODES = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded']);
/** S3 answers a request whose body came too slowly with 400 RequestTimeout; the SDK's own timeouts are TimeoutError. */
const TIMEOUT_CODES = new Set(['RequestTimeout', 'RequestTimeoutException', 'TimeoutError']);
/** Nothing else in the pass can succeed against this bucket until a person acts. */
const FATAL_CODES = new Set([
  'AccessDenied',
  'AllAccessDisabled',
  'AccountProblem',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'NoSuchBucket',
  'InvalidToken',
  'ExpiredToken',
  'TokenRefreshRequired',
  'RequestTimeTooSkewed',
  'AuthorizationHeaderMalformed',
  'PermanentRedirect',
  'InvalidBucketName',
  'CredentialsProviderError',
]);

/**
 * Turns anything the SDK threw into our error classes, once, at the edge. The SDK error itself
 * is deliberately not kept as `cause`: it carries extra fields from the error body
 * (`AWSAccessKeyId`, `StringToSign` on a bad signature) that a logger would print.
 */
export function classifyS3Error(error: unknown, context: S3ErrorContext, signal?: AbortSignal): Error {
  if (error instanceof ArchiveError || error instanceof AbortedError) return error;
  const shape = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as SdkErrorShape;
  if (signal?.aborted || shape.name === 'AbortError') return new AbortedError(`${context.operation} stopped before completion`);

  const status = shape.$metadata?.httpStatusCode;
  const code = [shape.code, shape.Code, shape.name].find((value) => value !== undefined && value !== 'Error' && value !== 'UnknownError');
  const requestId = shape.$metadata?.requestId;
  const where = `${context.operation} s3://${context.bucket}/${context.key ?? ''}${context.endpoint ? ` at ${context.endpoint}` : ''}`;
  const what = [code, status === undefined ? undefined : `HTTP ${status}`, requestId ? `request id ${requestId}` : undefined]
    .filter(Boolean)
    .join(', ');
  const detail = redact(shape.message ?? '', context.secrets).trim().replace(/\.$/, '');

  const decided = decide(code, status, shape, context);
  const retryAfterMs = decided.kind === 'retryable' ? retryAfter(shape) : undefined;
  return new ArchiveError(
    'store',
    decided.kind,
    decided.code,
    `${where} failed${what ? ` (${what})` : ''}${detail ? `: ${detail}` : ''}${decided.next ? `. ${decided.next}` : ''}`,
    { retryAfterMs, throttled: decided.code === 'throttled' },
  );
}

function decide(
  code: string | undefined,
  status: number | undefined,
  shape: SdkErrorShape,
  context: S3ErrorContext,
): { kind: FailureKind; code: string; next?: string } {
  const bucket = context.bucket;
  if (code === 'NoSuchBucket') {
    return { kind: 'fatal', code: 'no-such-bucket', next: `Create bucket ${bucket}, or correct destination.url and destination.endpoint` };
  }
  if (code === 'InvalidAccessKeyId') {
    return {
      kind: 'fatal',
      code: 'bad-credentials',
      next: 'The store does not know this access key: check AWS_ACCESS_KEY_ID (or the profile) and destination.endpoint',
    };
  }
  if (code === 'SignatureDoesNotMatch' || code === 'AuthorizationHeaderMalformed') {
    return {
      kind: 'fatal',
      code: 'bad-credentials',
      next: `Check AWS_SECRET_ACCESS_KEY (or the profile), and that destination.region (${context.region}) is the bucket's`,
    };
  }
  if (code === 'InvalidToken' || code === 'ExpiredToken' || code === 'TokenRefreshRequired') {
    return { kind: 'fatal', code: 'bad-credentials', next: 'The session token is invalid or expired: renew AWS_SESSION_TOKEN' };
  }
  if (code === 'CredentialsProviderError') {
    return {
      kind: 'fatal',
      code: 'no-credentials',
      next: 'No bucket credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or a web identity',
    };
  }
  if (code === 'RequestTimeTooSkewed') {
    return { kind: 'fatal', code: 'clock-skew', next: "This machine's clock is too far from the store's: fix the clock (NTP)" };
  }
  if (code === 'PermanentRedirect' || status === 301) {
    return { kind: 'fatal', code: 'wrong-region', next: `Bucket ${bucket} lives elsewhere: correct destination.region or destination.endpoint` };
  }
  if ((code !== undefined && FATAL_CODES.has(code)) || status === 401 || status === 403) {
    return {
      kind: 'fatal',
      code: 'access-denied',
      next: `Check that the bucket credentials may list, read, write and delete in ${bucket} (s3:ListBucket, s3:GetObject, s3:PutObject, s3:DeleteObject, s3:AbortMultipartUpload, s3:ListBucketMultipartUploads)`,
    };
  }
  if (status === 429 || (code !== undefined && THROTTLING_CODES.has(code))) return { kind: 'retryable', code: 'throttled' };
  if (status !== undefined && status >= 500) return { kind: 'retryable', code: `http-${status}` };
  if (code !== undefined && TIMEOUT_CODES.has(code)) return { kind: 'retryable', code: 'timeout' };
  if ((code !== undefined && NETWORK_CODES.has(code)) || /socket hang up|ECONNRESET|ETIMEDOUT|EPIPE/.test(shape.message ?? '')) {
    return { kind: 'retryable', code: 'network' };
  }
  return { kind: 'file', code: code ? code : status ? `http-${status}` : 'error' };
}

function retryAfter(shape: SdkErrorShape): number | undefined {
  const header = shape.$response?.headers?.['retry-after'];
  if (header === undefined) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) if (secret) result = result.split(secret).join('[redacted]');
  return result;
}

/** A missing object is an answer, not a failure, wherever the store reads one. */
export function isMissingObject(error: unknown): boolean {
  const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  // HEAD answers carry no error code: a 404 there is "NotFound". NoSuchBucket stays an error.
  return name === 'NoSuchKey' || (name === 'NotFound' && $metadata?.httpStatusCode === 404);
}

/** The endpoint as messages may name it: scheme and host, never credentials. */
export function originOf(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    return `${url.protocol}//${url.host}`; // `host` has no user:password
  } catch {
    return '(invalid endpoint)';
  }
}
