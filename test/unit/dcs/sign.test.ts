import { describe, expect, it } from 'vitest';
import {
  EMPTY_BODY_SHA256,
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  formatSdkDate,
  sha256Hex,
  signRequest,
  signature,
  stringToSign,
} from '../../../src/dcs/sign.js';

// The Go SDK's official vectors, as quoted in docs/dcs-api.md.
const AK = 'AccessKey';
const SK = 'SecretKey';
const HOST = 'example.huaweicloud.com';
const SDK_DATE = '20060102T150405Z';

function vectorSignature(method: string, url: URL, body: string | undefined): { canonical: string; sig: string } {
  const canonical = canonicalRequest({
    method,
    url,
    headers: { 'X-Sdk-Date': SDK_DATE },
    signedHeaders: ['x-sdk-date'],
    bodySha256: body === undefined ? EMPTY_BODY_SHA256 : sha256Hex(body),
  });
  return { canonical, sig: signature(stringToSign(canonical, SDK_DATE), SK) };
}

describe('SDK-HMAC-SHA256 official vectors', () => {
  it('hashes the canonical request of GET /path?limit=1 to the published value', () => {
    const { canonical } = vectorSignature('GET', new URL(`https://${HOST}/path?limit=1`), undefined);
    expect(canonical).toBe(['GET', '/path/', 'limit=1', `x-sdk-date:${SDK_DATE}\n`, 'x-sdk-date', EMPTY_BODY_SHA256].join('\n'));
    expect(sha256Hex(canonical)).toBe('85c3b7730f308aee452b16138a42a914397e43a8f0d732dfa521c0ef2afa98a4');
  });

  it('signs GET /path?limit=1 with the published signature', () => {
    const { sig } = vectorSignature('GET', new URL(`https://${HOST}/path?limit=1`), undefined);
    expect(sig).toBe('5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624');
  });

  it('signs POST /path?key=value with a JSON body and newline with the published signature', () => {
    const { sig } = vectorSignature('POST', new URL(`https://${HOST}/path?key=value`), '{"Name":"test","Id":1}\n');
    expect(sig).toBe('cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59');
  });

  it('encodes and sorts the query like the published example, repeated names in value order', () => {
    const params = new URLSearchParams();
    params.append('limit', '1');
    params.append('enable', 'true');
    params.append('path', '/tmp/123');
    for (const value of ['3', '1', '2']) params.append('multi', value);
    expect(canonicalQuery(params)).toBe('enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123');
  });
});

describe('canonical pieces', () => {
  it('appends a trailing slash to the path for signing only', () => {
    expect(canonicalUri('/v2/p/instances/i/redislog')).toBe('/v2/p/instances/i/redislog/');
    expect(canonicalUri('/')).toBe('/');
  });

  it('signs a percent-encoded segment the same as the raw id it encodes', () => {
    expect(canonicalUri('/v2/p/instances/a%2Fb/redislog')).toBe('/v2/p/instances/a%2Fb/redislog/');
    expect(canonicalUri("/v2/p/instances/a%20b!'/x")).toBe('/v2/p/instances/a%20b%21%27/x/');
  });

  it('encodes spaces as %20 and keeps only unreserved characters literal in the query', () => {
    expect(canonicalQuery([['name', 'a b+c*~'], ['tags', 'env=prod']])).toBe('name=a%20b%2Bc%2A~&tags=env%3Dprod');
  });

  it('leaves the query line empty when there is no query', () => {
    const canonical = canonicalRequest({
      method: 'get',
      url: new URL(`https://${HOST}/v2/p/instances`),
      headers: { 'x-sdk-date': SDK_DATE },
      signedHeaders: ['x-sdk-date'],
      bodySha256: EMPTY_BODY_SHA256,
    });
    expect(canonical.split('\n').slice(0, 3)).toEqual(['GET', '/v2/p/instances/', '']);
  });

  it('formats X-Sdk-Date as a compact UTC timestamp', () => {
    expect(formatSdkDate(new Date('2006-01-02T15:04:05.678Z'))).toBe(SDK_DATE);
  });
});

describe('signRequest', () => {
  const date = new Date('2006-01-02T15:04:05Z');

  it('signs host, date, project and security token and sends exactly what it signed', () => {
    const url = new URL('https://dcs.cn-north-4.myhuaweicloud.com/v2/proj/instances/i1/redislog?log_type=run&offset=0&limit=1000');
    const headers = signRequest({
      method: 'GET',
      url,
      headers: {},
      body: undefined,
      accessKey: AK,
      secretKey: SK,
      securityToken: 'token-1',
      date,
      projectId: 'proj',
    });
    expect(headers).toMatchObject({
      Host: 'dcs.cn-north-4.myhuaweicloud.com',
      'X-Sdk-Date': SDK_DATE,
      'X-Project-Id': 'proj',
      'X-Security-Token': 'token-1',
    });
    const expectedSigned = ['host', 'x-project-id', 'x-sdk-date', 'x-security-token'];
    const canonical = canonicalRequest({ method: 'GET', url, headers, signedHeaders: expectedSigned, bodySha256: EMPTY_BODY_SHA256 });
    const sig = signature(stringToSign(canonical, SDK_DATE), SK);
    expect(headers['Authorization']).toBe(
      `SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=host;x-project-id;x-sdk-date;x-security-token, Signature=${sig}`,
    );
  });

  it('signs content-type when the caller sends one, and hashes the body bytes', () => {
    const url = new URL('http://127.0.0.1:8080/path');
    const body = new TextEncoder().encode('{"a":1}');
    const headers = signRequest({ method: 'POST', url, headers: { 'Content-Type': 'application/json' }, body, accessKey: AK, secretKey: SK, date });
    expect(headers['Host']).toBe('127.0.0.1:8080');
    expect(headers['X-Project-Id']).toBeUndefined();
    const signedList = /SignedHeaders=([^,]+),/.exec(headers['Authorization'] ?? '')?.[1];
    expect(signedList).toBe('content-type;host;x-sdk-date');
    const canonical = canonicalRequest({
      method: 'POST',
      url,
      headers,
      signedHeaders: ['content-type', 'host', 'x-sdk-date'],
      bodySha256: sha256Hex(body),
    });
    expect(headers['Authorization']).toContain(`Signature=${signature(stringToSign(canonical, SDK_DATE), SK)}`);
  });

  it('replaces auth headers the caller passed rather than sending two', () => {
    const headers = signRequest({
      method: 'GET',
      url: new URL('https://h.example/x'),
      headers: { authorization: 'stale', 'x-sdk-date': '19990101T000000Z', Accept: 'application/json' },
      body: undefined,
      accessKey: AK,
      secretKey: SK,
      date,
    });
    expect(Object.keys(headers).filter((name) => name.toLowerCase() === 'authorization')).toEqual(['Authorization']);
    expect(Object.keys(headers).filter((name) => name.toLowerCase() === 'x-sdk-date')).toEqual(['X-Sdk-Date']);
    expect(headers['Accept']).toBe('application/json');
  });
});
