/**
 * Baseline: the naive copy, exactly as issue 10 states it. A signed link call → a plain GET of
 * the link → `@aws-sdk/lib-storage` Upload with 8 MiB parts and queueSize 4, nothing else (no
 * hash, no byte count, no record). Plain JavaScript run by `node` itself, so it carries no
 * TypeScript loader the archiver does not carry either; the link call is the built archiver's
 * DCS client (dist/), which signs it.
 * `naive-copy.mjs JSON` (UploadJob plus `dcs: {endpoint, projectId, instanceId, logId}`);
 * credentials in HUAWEICLOUD_SDK_AK/SK and AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
 * Prints one JSON line: {bytes, ms, cpuS, maxRssBytes} (ms from the link call to the upload's end).
 */
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { URL } from 'node:url';
import { Upload } from '@aws-sdk/lib-storage';
import { request } from 'undici';
import { createDcsClient } from '../../../dist/dcs/client.js';
import { usualClient } from './usual-client.mjs';

const job = JSON.parse(process.argv[2] ?? '{}');
const loopback = (url) => /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(new URL(url).hostname);
if (!job.bucket || !job.key || !job.dcs || !loopback(job.endpoint) || !loopback(job.dcs.endpoint)) {
  throw new Error('usage: naive-copy.mjs JOB_JSON (a whole job, whose endpoints are loopback addresses: the bench talks to this machine only)');
}
const dcs = createDcsClient({
  endpoint: job.dcs.endpoint,
  projectId: job.dcs.projectId,
  auth: { kind: 'aksk', accessKey: process.env.HUAWEICLOUD_SDK_AK ?? '', secretKey: process.env.HUAWEICLOUD_SDK_SK ?? '' },
  allowHttp: true,
});
const client = usualClient(job.endpoint);
const cpu = process.cpuUsage();
const started = performance.now();
const link = await dcs.getDownloadLink(job.dcs.instanceId, job.dcs.logId);
const { statusCode, body } = await request(link, { method: 'GET' });
if (statusCode !== 200) throw new Error(`download answered ${statusCode}`);
const upload = new Upload({
  client,
  params: { Bucket: job.bucket, Key: job.key, Body: body, ContentType: 'text/plain; charset=utf-8' },
  partSize: 8 * 1024 * 1024,
  queueSize: 4,
  leavePartsOnError: false,
});
await upload.done();
const ms = performance.now() - started;
const used = process.cpuUsage(cpu);
client.destroy();
process.stdout.write(`${JSON.stringify({ bytes: job.size, ms, cpuS: (used.user + used.system) / 1e6, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
