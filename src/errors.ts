/**
 * The few failure classes of the archiver. Every failure is classified once, where it is
 * first seen (the DCS client, the download, the store), and everything downstream acts on the
 * class: the retry policy retries `retryable`, the pass skips a file on `file`, and stops on `fatal`.
 */

/** A configuration or usage error: names the key path, the value and what is allowed. Exit code 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    // Key paths read "config archive.concurrency: ..."; flags and variables speak for themselves.
    super(!path ? problem : /^[a-z]/.test(path) ? `config ${path}: ${problem}` : `${path}: ${problem}`);
  }
}

/**
 * - `retryable`: worth another attempt (429, 5xx, reset, timeout, truncated body).
 * - `file`: permanent for this file or instance (failed at source, gone, malformed answer).
 * - `fatal`: nothing else in the pass can succeed (bad credentials, missing bucket).
 */
export type FailureKind = 'retryable' | 'file' | 'fatal';

/** Where a failure was first seen: the DCS API, a download link, the bucket, or this process. */
export type FailureSource = 'dcs' | 'download' | 'store' | 'local';

export interface ArchiveErrorOptions {
  cause?: unknown;
  /** The far side asked for a pause (`Retry-After`), in milliseconds. */
  retryAfterMs?: number | undefined;
  /** The far side said it is overloaded (HTTP 429, SlowDown, the API gateway's flow control). */
  throttled?: boolean;
}

export class ArchiveError extends Error {
  override name = 'ArchiveError';
  readonly source: FailureSource;
  readonly kind: FailureKind;
  /** The source's own short code, e.g. `http-429`, `truncated`, `access-denied`. */
  readonly code: string;
  readonly retryAfterMs: number | undefined;
  readonly throttled: boolean;

  constructor(source: FailureSource, kind: FailureKind, code: string, message: string, options: ArchiveErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.source = source;
    this.kind = kind;
    this.code = code;
    this.retryAfterMs = options.retryAfterMs;
    this.throttled = options.throttled ?? false;
  }

  /** `source.code`, for reports, logs and metric labels (data for people: code branches on the fields). */
  get reason(): string {
    return `${this.source}.${this.code}`;
  }
}

/** An error from the DCS API: names verb, path, status, error code and request id. */
export class DcsApiError extends ArchiveError {
  override name = 'DcsApiError';
  constructor(
    kind: FailureKind,
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly errorCode: string | undefined,
    readonly requestId: string | undefined,
    detail: string,
    options: ArchiveErrorOptions = {},
  ) {
    super(
      'dcs',
      kind,
      errorCode ?? `http-${status}`,
      `DCS ${method} ${path} answered ${status}${errorCode ? ` ${errorCode}` : ''}` +
        `${requestId ? ` (request id ${requestId})` : ''}: ${detail}`,
      options,
    );
  }
}

/** The run was asked to stop (signal); not a failure of the file. */
export class AbortedError extends Error {
  override name = 'AbortedError';
  constructor(message = 'stopped before completion') {
    super(message);
  }
}

export function isArchiveError(error: unknown): error is ArchiveError {
  return error instanceof ArchiveError;
}

/** The class of any thrown value; unknown errors are treated as permanent for the file. */
export function failureKind(error: unknown): FailureKind {
  return isArchiveError(error) ? error.kind : 'file';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What a report says of a failure: plain data, the same for every kind of error. */
export interface FailureInfo {
  source: FailureSource;
  kind: FailureKind;
  reason: string;
  message: string;
}

/** A stop (signal, or a fatal failure elsewhere) is not a failure of the work it interrupted. */
export function isStop(error: unknown): boolean {
  return error instanceof AbortedError || (error as Error | undefined)?.name === 'AbortError';
}

export function describeFailure(error: unknown): FailureInfo {
  if (isStop(error)) return { source: 'local', kind: 'file', reason: 'local.stopped', message: (error as Error).message };
  if (error instanceof ArchiveError) return { source: error.source, kind: error.kind, reason: error.reason, message: error.message };
  return { source: 'local', kind: 'file', reason: 'local.unexpected', message: errorMessage(error) };
}
