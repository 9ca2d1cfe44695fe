import { describe, expect, it } from 'vitest';
import { AbortedError, ArchiveError } from '../../../src/errors.js';
import { classifyS3Error, type S3ErrorContext } from '../../../src/store/s3-errors.js';
import { TEST_AK, TEST_SK } from '../../support/secrets.js';

const context: S3ErrorContext = {
  operation: 'upload',
  bucket: 'team-logs',
  key: 'dcs/i-1/2025-01-02/redis.log',
  endpoint: 'https://obs.cn-north-4.example.com',
  region: 'cn-north-4',
  secrets: [TEST_AK, TEST_SK],
};

/** Shaped like what the SDK throws: the S3 code as `name`, the status in `$metadata`. */
function serviceError(name: string, status: number, message = 'server said no', extra: object = {}) {
  return Object.assign(new Error(message), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status, requestId: 'REQ123' } }, extra);
}

function networkError(code: string, message = `connect ${code} 10.0.0.1:443`) {
  return Object.assign(new Error(message), { code });
}

describe('classifyS3Error', () => {
  it.each([
    ['AccessDenied', 403, 'store.access-denied'],
    ['InvalidAccessKeyId', 403, 'store.bad-credentials'],
    ['SignatureDoesNotMatch', 403, 'store.bad-credentials'],
    ['NoSuchBucket', 404, 'store.no-such-bucket'],
    ['ExpiredToken', 400, 'store.bad-credentials'],
    ['RequestTimeTooSkewed', 403, 'store.clock-skew'],
    ['Forbidden', 403, 'store.access-denied'],
  ])('classifies %s (HTTP %i) as fatal', (name, status, reason) => {
    const error = classifyS3Error(serviceError(name, status), context) as ArchiveError;
    expect(error).toBeInstanceOf(ArchiveError);
    expect(error).toMatchObject({ kind: 'fatal', reason });
    expect(error.message).toContain('team-logs');
    expect(error.message).toContain('REQ123');
  });

  it.each([
    ['SlowDown', 503, 'store.throttled'],
    ['TooManyRequests', 429, 'store.throttled'],
    ['InternalError', 500, 'store.http-500'],
    ['ServiceUnavailable', 503, 'store.http-503'],
    ['BadGateway', 502, 'store.http-502'],
    ['RequestTimeout', 400, 'store.timeout'],
  ])('classifies %s (HTTP %i) as retryable', (name, status, reason) => {
    const classified = classifyS3Error(serviceError(name, status), context);
    expect(classified).toMatchObject({ kind: 'retryable', reason });
  });

  it.each(['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'EPIPE'])('classifies the network error %s as retryable', (code) => {
    expect(classifyS3Error(networkError(code), context)).toMatchObject({ kind: 'retryable', reason: 'store.network' });
  });

  it('classifies a socket hang up as retryable', () => {
    expect(classifyS3Error(new Error('socket hang up'), context)).toMatchObject({ kind: 'retryable', reason: 'store.network' });
  });

  it('classifies anything else as a failure of this file', () => {
    expect(classifyS3Error(serviceError('EntityTooLarge', 400), context)).toMatchObject({ kind: 'file', reason: 'store.EntityTooLarge' });
    expect(classifyS3Error('a string', context)).toMatchObject({ kind: 'file' });
  });

  it('names the next step when credentials are missing altogether', () => {
    const error = classifyS3Error(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }), context);
    expect(error).toMatchObject({ kind: 'fatal', reason: 'store.no-credentials' });
    expect(error.message).toContain('AWS_ACCESS_KEY_ID');
  });

  it('keeps the server-named pause of a throttled request', () => {
    const throttled = serviceError('SlowDown', 503, 'slow down', { $response: { headers: { 'retry-after': '7' } } });
    expect(classifyS3Error(throttled, context)).toMatchObject({ kind: 'retryable', retryAfterMs: 7000 });
  });

  it('never carries a credential from the SDK error into the message or the cause', () => {
    const leaky = serviceError('SignatureDoesNotMatch', 403, `bad signature for ${TEST_AK}`, {
      AWSAccessKeyId: TEST_AK,
      StringToSign: `AWS4-HMAC-SHA256 ... ${TEST_SK}`,
    });
    const error = classifyS3Error(leaky, context);
    const seen = JSON.stringify({ ...error, message: error.message, stack: error.stack, cause: error.cause });
    expect(seen).not.toContain(TEST_AK);
    expect(seen).not.toContain(TEST_SK);
  });

  it('turns an abort into AbortedError and leaves our own errors alone', () => {
    const controller = new AbortController();
    controller.abort();
    expect(classifyS3Error(new Error('aborted'), context, controller.signal)).toBeInstanceOf(AbortedError);
    expect(classifyS3Error(Object.assign(new Error('x'), { name: 'AbortError' }), context)).toBeInstanceOf(AbortedError);
    const ours = new ArchiveError('download', 'retryable', 'truncated', 'short body');
    expect(classifyS3Error(ours, context)).toBe(ours);
  });
});
