import { describe, expect, it } from 'vitest';
import {
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  computeSignature,
  parseAuthorization,
  sha256Hex,
  verifySignature,
  type ReceivedRequest,
} from '../../../sim/verify-signature.js';

/** The official Go SDK vectors quoted in dcs-api.md. */
const VECTOR_DATE = '20060102T150405Z';
const VECTOR_NOW = Date.UTC(2006, 0, 2, 15, 4, 5);

function vectorRequest(method: string, pathAndQuery: string, body = ''): ReceivedRequest {
  const [rawPath = '', rawQuery = ''] = pathAndQuery.split('?');
  return {
    method,
    rawPath,
    rawQuery,
    headers: { host: 'example.huaweicloud.com', 'x-sdk-date': VECTOR_DATE },
    body: Buffer.from(body, 'utf8'),
  };
}

describe('the simulator verifies SDK-HMAC-SHA256 as the official SDKs sign it', () => {
  it('reproduces the GET vector: canonical request hash and signature', () => {
    const canonical = canonicalRequest(vectorRequest('GET', '/path?limit=1'), ['x-sdk-date']);
    expect(canonical).toBeDefined();
    expect(sha256Hex(canonical!)).toBe('85c3b7730f308aee452b16138a42a914397e43a8f0d732dfa521c0ef2afa98a4');
    expect(computeSignature('SecretKey', VECTOR_DATE, canonical!)).toBe('5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624');
  });

  it('reproduces the POST vector, hashing the exact body bytes including the trailing newline', () => {
    const canonical = canonicalRequest(vectorRequest('POST', '/path?key=value', '{"Name":"test","Id":1}\n'), ['x-sdk-date']);
    expect(computeSignature('SecretKey', VECTOR_DATE, canonical!)).toBe('cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59');
  });

  it('reproduces the query-encoding vector whatever order and escaping the client sent', () => {
    const expected = 'enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123';
    expect(canonicalQuery('limit=1&enable=true&path=%2Ftmp%2F123&multi=1&multi=2&multi=3')).toBe(expected);
    expect(canonicalQuery('path=/tmp/123&multi=3&multi=1&multi=2&limit=1&enable=true')).toBe(expected);
  });

  it('accepts the GET vector end to end and rejects it once a byte changes', () => {
    const request = vectorRequest('GET', '/path?limit=1');
    const authorization = `SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624`;
    const secretFor = (ak: string) => (ak === 'AccessKey' ? 'SecretKey' : undefined);
    expect(verifySignature({ ...request, headers: { ...request.headers, authorization } }, secretFor, VECTOR_NOW)).toMatchObject({ ok: true });
    const tampered = { ...request, rawQuery: 'limit=2', headers: { ...request.headers, authorization } };
    expect(verifySignature(tampered, secretFor, VECTOR_NOW)).toMatchObject({ ok: false, reason: expect.stringMatching(/does not match/) });
  });

  it('appends the trailing slash for signing only and re-encodes each path segment', () => {
    expect(canonicalUri('/v2/p/instances/i/redislog')).toBe('/v2/p/instances/i/redislog/');
    expect(canonicalUri('/path/')).toBe('/path/');
    expect(canonicalUri('/a%20b/c*d')).toBe('/a%20b/c%2Ad/');
  });

  it('encodes a space as %20 and leaves only unreserved characters literal', () => {
    expect(canonicalQuery('name=a+b&x=~-_.!')).toBe('name=a%20b&x=~-_.%21');
  });

  it('parses the Authorization header and lower-cases the signed header names', () => {
    expect(parseAuthorization('SDK-HMAC-SHA256 Access=AK, SignedHeaders=Host;X-Sdk-Date, Signature=ab')).toEqual({
      access: 'AK',
      signedHeaders: ['host', 'x-sdk-date'],
      signature: 'ab',
    });
    expect(parseAuthorization('AWS4-HMAC-SHA256 Credential=x')).toBeUndefined();
  });
});
