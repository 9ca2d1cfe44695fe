import { createHash } from 'node:crypto';
import { get } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { DcsSimulator, type SimOptions } from '../../../sim/index.js';
import { TEST_AK, TEST_LINK_SECRET, TEST_PROJECT_ID, TEST_SK } from '../../support/secrets.js';
import { DAY, call, clock, p, readAll } from './sim-client.js';

let sim: DcsSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function setup(size: number, options: Partial<SimOptions> = {}) {
  const time = clock();
  sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK }, linkSecret: TEST_LINK_SECRET, now: time.now, ...options });
  const instance = sim.addInstance(TEST_PROJECT_ID, { name: 'dl' });
  const log = sim.addLog(TEST_PROJECT_ID, instance.id, { replicationIp: instance.replicas[0]!.ip, groupName: 'group-0', date: '2024-04-15', size });
  const s = sim;
  const link = async (): Promise<string> => {
    const res = await call(s, p(`/instances/${instance.id}/redislog/${log.id}/links`), { method: 'POST', at: time.now() });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { id: string; backup_id: string; link: string };
    expect(body.id).toBe(log.id);
    expect(body.backup_id).toEqual(expect.any(String));
    return body.link;
  };
  return { sim: s, time, instance, log, link };
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Raw HTTP, to see exactly how many bytes arrive before the socket closes. */
function rawGet(url: string): Promise<{ status: number; contentLength: number; received: number; completed: boolean }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let received = 0;
      res.on('data', (chunk: Buffer) => (received += chunk.length));
      const finish = (completed: boolean) => resolve({ status: res.statusCode ?? 0, contentLength: Number(res.headers['content-length']), received, completed });
      res.on('end', () => finish(res.complete));
      res.on('error', () => finish(false));
      res.on('aborted', () => finish(false));
    }).on('error', reject);
  });
}

describe('download links and downloads', () => {
  it('hands out a pre-signed-looking link and serves exactly the log’s bytes with Content-Length', async () => {
    const { sim, log, link } = await setup(300_000);
    const url = new URL(await link());
    expect(url.origin).toBe(sim.endpoint);
    expect(url.pathname).toBe(`/obs/${TEST_PROJECT_ID}/${log.id}/${log.fileName}`);
    expect([...url.searchParams.keys()]).toEqual(['AWSAccessKeyId', 'Expires', 'Signature']);
    expect(sim.issuedLinks).toEqual([url.toString()]);

    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('300000');
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.length).toBe(300_000);
    expect(sha(body)).toBe(await sim.sha256(log.id));
    expect(sha(body)).toBe(sha(await readAll(sim.content(log.id))));
  });

  it('records downloads without auth headers and never stores the link’s query', async () => {
    const { sim, log, link } = await setup(10);
    const url = await link();
    await (await fetch(url)).arrayBuffer();
    const download = sim.requests.at(-1)!;
    expect(download).toMatchObject({ op: 'download', method: 'GET', status: 200, query: {}, authHeaders: false, logId: log.id });
    expect(JSON.stringify(sim.requests)).not.toContain(new URL(url).searchParams.get('Signature')!);
    expect(JSON.stringify(sim.requests)).not.toContain('Expires');
  });

  it('notes DCS credentials sent to a link, and refuses an Authorization header there as OBS does', async () => {
    const { sim, link } = await setup(10);
    const url = await link();
    await (await fetch(url, { headers: { 'X-Auth-Token': 'x' } })).arrayBuffer();
    expect(sim.requests.at(-1)).toMatchObject({ status: 200, authHeaders: true });
    const res = await fetch(url, { headers: { Authorization: 'SDK-HMAC-SHA256 Access=x, SignedHeaders=x-sdk-date, Signature=00' } });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('<Code>InvalidArgument</Code>');
  });

  it('serves byte ranges with 206 and Content-Range, and suffix and open ranges', async () => {
    const { sim, log, link } = await setup(5_000_000);
    const url = await link();
    const whole = await readAll(sim.content(log.id));

    const closed = await fetch(url, { headers: { Range: 'bytes=1048570-1048589' } });
    expect(closed.status).toBe(206);
    expect(closed.headers.get('content-range')).toBe('bytes 1048570-1048589/5000000');
    expect(closed.headers.get('content-length')).toBe('20');
    expect(Buffer.from(await closed.arrayBuffer())).toEqual(whole.subarray(1048570, 1048590));

    const open = await fetch(url, { headers: { Range: 'bytes=4999990-' } });
    expect(open.headers.get('content-range')).toBe('bytes 4999990-4999999/5000000');
    expect(Buffer.from(await open.arrayBuffer())).toEqual(whole.subarray(4999990));

    const suffix = await fetch(url, { headers: { Range: 'bytes=-3' } });
    expect(Buffer.from(await suffix.arrayBuffer())).toEqual(whole.subarray(4999997));
    expect(Buffer.from(await readAll(sim.content(log.id, 4999997)))).toEqual(whole.subarray(4999997));

    const beyond = await fetch(url, { headers: { Range: 'bytes=5000000-' } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe('bytes */5000000');
    await beyond.arrayBuffer();
  });

  it('serves an empty log as 200 with Content-Length 0', async () => {
    const { sim, log, link } = await setup(0);
    const res = await fetch(await link());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('0');
    expect((await res.arrayBuffer()).byteLength).toBe(0);
    expect(await sim.sha256(log.id)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('answers an expired link 403 AccessDenied in XML, and a fresh link works again', async () => {
    const { time, link } = await setup(100);
    const old = await link();
    time.advance(DAY + 1000);
    const res = await fetch(old);
    expect(res.status).toBe(403);
    const xml = await res.text();
    expect(xml).toContain('<Code>AccessDenied</Code>');
    expect(xml).toContain('Request has expired');
    expect(xml).not.toContain(new URL(old).searchParams.get('Signature')!);
    expect((await fetch(await link())).status).toBe(200);
  });

  it('answers a link whose signature or path was altered 403', async () => {
    const { link } = await setup(100);
    const url = new URL(await link());
    const forged = new URL(url);
    forged.searchParams.set('Expires', String(Number(url.searchParams.get('Expires')) + 3600));
    expect((await fetch(forged)).status).toBe(403);
    const otherPath = new URL(url);
    otherPath.pathname = otherPath.pathname.replace('.log', '.txt');
    expect((await fetch(otherPath)).status).toBe(403);
    const unsigned = new URL(url);
    unsigned.search = '';
    expect((await fetch(unsigned)).status).toBe(403);
  });

  it('honours the link TTL option', async () => {
    const { time, link } = await setup(100, { linkTtlMs: 60_000 });
    const url = await link();
    time.advance(59_000);
    expect((await fetch(url)).status).toBe(200);
    time.advance(2_000);
    expect((await fetch(url)).status).toBe(403);
  });

  it('a truncated download promises the full length and really closes the socket early', async () => {
    const { sim, log, link } = await setup(1_000_000);
    sim.injectFault({ op: 'download', kind: 'truncate', truncateAt: 123_456, times: 1 });
    const url = await link();
    const cut = await rawGet(url);
    expect(cut).toEqual({ status: 200, contentLength: 1_000_000, received: 123_456, completed: false });

    const fetched = await fetch(url);
    expect(fetched.status).toBe(200);
    expect(sha(Buffer.from(await fetched.arrayBuffer()))).toBe(await sim.sha256(log.id));
  });

  it('makes fetch fail on a truncated body rather than return fewer bytes', async () => {
    const { sim, link } = await setup(200_000);
    sim.injectFault({ op: 'download', kind: 'truncate' });
    const res = await fetch(await link());
    expect(res.headers.get('content-length')).toBe('200000');
    await expect(res.arrayBuffer()).rejects.toThrow();
  });

  it('resets the connection before any answer on a reset fault', async () => {
    const { sim, link } = await setup(100);
    sim.injectFault({ op: 'download', kind: 'reset', times: 1 });
    const url = await link();
    await expect(fetch(url)).rejects.toThrow();
    expect(sim.requests.at(-1)).toMatchObject({ op: 'download', status: 0 });
    expect((await fetch(url)).status).toBe(200);
  });

  it('paces a download to downloadBytesPerSecond', async () => {
    const { link } = await setup(100_000, { downloadBytesPerSecond: 500_000 });
    const url = await link();
    const started = performance.now();
    const body = await (await fetch(url)).arrayBuffer();
    expect(body.byteLength).toBe(100_000);
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
  });
});
