import { describe, expect, it } from 'vitest';
import { httpFailure, networkFailure, parseRetryAfter, type CallContext } from '../../../src/dcs/failures.js';
import { ALL_TEST_SECRETS, TEST_AK, TEST_SK } from '../../support/secrets.js';

const NOW = new Date('2025-03-01T12:00:00Z');
const ctx: CallContext = {
  op: 'list-run-logs',
  method: 'GET',
  path: '/v2/proj/instances/i-1/redislog',
  projectId: 'proj',
  instanceId: 'i-1',
  authKind: 'aksk',
  secrets: ALL_TEST_SECRETS,
};
const ids = { requestId: 'req-9', retryAfter: undefined };
const body = (code: string, msg: string) => JSON.stringify({ error_code: code, error_msg: msg, error_ext_msg: null });

describe('classifying DCS failures', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('7', NOW)).toBe(7000);
    expect(parseRetryAfter('Sat, 01 Mar 2025 12:00:03 GMT', NOW)).toBe(3000);
    expect(parseRetryAfter('Sat, 01 Mar 2025 11:00:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
  });

  it('makes throttling retryable with the pause the gateway asked for', () => {
    const error = httpFailure(ctx, 429, { requestId: 'req-9', retryAfter: '4' }, body('APIGW.0308', 'The throttling threshold has been reached'), NOW);
    expect(error).toMatchObject({ kind: 'retryable', reason: 'dcs.APIGW.0308', retryAfterMs: 4000, status: 429 });
    expect(error.message).toBe(
      'DCS GET /v2/proj/instances/i-1/redislog answered 429 APIGW.0308 (request id req-9): The throttling threshold has been reached',
    );
  });

  it('makes a running job retryable under either code family', () => {
    expect(httpFailure(ctx, 400, ids, body('DCS.4017', 'job running'), NOW).kind).toBe('retryable');
    expect(httpFailure(ctx, 400, ids, body('111400017', 'job running'), NOW).kind).toBe('retryable');
  });

  it('makes 401 fatal and names the credentials and the clock', () => {
    const error = httpFailure(ctx, 401, ids, body('DCS.1001', 'Invalid token'), NOW);
    expect(error.kind).toBe('fatal');
    expect(error.message).toContain('HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK');
    expect(error.message).toContain('signing allows 15 minutes of skew');
  });

  it('makes 403 fatal and names the missing permission', () => {
    const error = httpFailure(ctx, 403, ids, body('DCS.2003', 'no permission'), NOW);
    expect(error.kind).toBe('fatal');
    expect(error.message).toContain('dcs:redisLog:get');
  });

  it('makes 404 a failure of this instance that names the project', () => {
    const error = httpFailure(ctx, 404, ids, body('DCS.3022', 'The instance does not exist.'), NOW);
    expect(error.kind).toBe('file');
    expect(error.message).toContain('instance i-1 does not exist in project proj');
  });

  it('trims a long error message and never repeats a secret or a URL query the server echoed', () => {
    const echoed = `bad request Authorization: SDK-HMAC-SHA256 Access=${TEST_AK} sk=${TEST_SK} https://obs.example/x.log?Signature=abc ${'x'.repeat(1000)}`;
    const error = httpFailure(ctx, 400, ids, body('DCS.4800', echoed), NOW);
    expect(error.kind).toBe('file');
    expect(error.message.length).toBeLessThan(500);
    for (const secret of ALL_TEST_SECRETS) expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain('Signature=abc');
  });

  it('shows the start of a body that is not JSON', () => {
    const error = httpFailure(ctx, 502, ids, '<html><body>Bad Gateway</body></html>', NOW);
    expect(error).toMatchObject({ kind: 'retryable', reason: 'dcs.http-502' });
    expect(error.message).toContain('Bad Gateway');
  });

  it('makes resets and timeouts retryable and a refused certificate fatal', () => {
    const withCode = (code: string, cause?: Error) => Object.assign(new Error('boom', cause ? { cause } : undefined), { code });
    expect(networkFailure(ctx, withCode('ECONNRESET'))).toMatchObject({ kind: 'retryable', reason: 'dcs.network' });
    expect(networkFailure(ctx, withCode('UND_ERR_HEADERS_TIMEOUT'))).toMatchObject({ kind: 'retryable', reason: 'dcs.timeout' });
    expect(networkFailure(ctx, withCode('UND_ERR_SOCKET', withCode('EPIPE')))).toMatchObject({ kind: 'retryable', reason: 'dcs.network' });
    expect(networkFailure(ctx, withCode('UND_ERR_SOCKET'))).toMatchObject({ kind: 'retryable' });
    expect(networkFailure(ctx, withCode('DEPTH_ZERO_SELF_SIGNED_CERT'))).toMatchObject({ kind: 'fatal', reason: 'dcs.tls' });
    expect(networkFailure(ctx, new Error('weird'))).toMatchObject({ kind: 'file' });
  });
});

describe('reading error bodies cut at the read limit', () => {
  it('still finds the error code and the start of the message', () => {
    const cut = JSON.stringify({ error_code: '111500000', error_msg: `disk ${'x'.repeat(100_000)}` }).slice(0, 64 * 1024);
    const error = httpFailure(ctx, 500, ids, cut, NOW);
    expect(error).toMatchObject({ errorCode: '111500000', reason: 'dcs.111500000' });
    expect(error.message).toContain(': disk xxx');
    expect(error.message.length).toBeLessThan(450);
  });
});
