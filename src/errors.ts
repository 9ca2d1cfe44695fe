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

export class ArchiveError extends Error {
  override name = 'ArchiveError';
  readonly kind: FailureKind;
  /** Short machine-readable reason, e.g. `dcs.http-429`, `download.truncated`, `store.access-denied`. */
  readonly reason: string;
  /** Set when the far side asked for a pause (`Retry-After`), in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(
    kind: FailureKind,
    reason: string,
    message: string,
    options: { cause?: unknown; retryAfterMs?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.reason = reason;
    this.retryAfterMs = options.retryAfterMs;
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
    options: { cause?: unknown; retryAfterMs?: number } = {},
  ) {
    super(
      kind,
      `dcs.${errorCode ?? `http-${status}`}`,
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
