/**
 * Baseline: a plain parallel GET, as a user would read the same objects without the archiver:
 * its own Node process, `@aws-sdk/client-s3` GetObject with the settings S3-compatible stores
 * need and nothing more, `concurrency` GETs at a time, every body drained to nowhere (no hash,
 * no decompression, no matching). Plain JavaScript run by `node` itself.
 * `plain-get.mjs JSON` ({endpoint, bucket, keysFile, concurrency}); credentials in
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
 * Prints one JSON line: {bytes, ms, cpuS, maxRssBytes}, timed from the first GET to the last byte
 * (Node start-up and one listing excluded, as the search's own figure excludes its start-up and
 * its listing of instances).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { URL } from 'node:url';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { usualClient } from './usual-client.mjs';

const job = JSON.parse(process.argv[2] ?? '{}');
const loopback = (url) => /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(new URL(url).hostname);
if (!job.bucket || !job.keysFile || !(job.concurrency > 0) || !loopback(job.endpoint)) {
  throw new Error('usage: plain-get.mjs JOB_JSON (a whole job, whose endpoint is a loopback address: the bench talks to this machine only)');
}
const keys = readFileSync(job.keysFile, 'utf8').split('\n').filter(Boolean);
const client = usualClient(job.endpoint);
// One listing first, untimed, as the search lists the bucket's instances before its clock
// starts: both are timed from a client that has made one request.
await client.send(new ListObjectsV2Command({ Bucket: job.bucket, MaxKeys: 1 }));
const cpu = process.cpuUsage();
const started = performance.now();
let next = 0;
let bytes = 0;
await Promise.all(
  Array.from({ length: Math.min(job.concurrency, keys.length) }, async () => {
    while (next < keys.length) {
      const got = await client.send(new GetObjectCommand({ Bucket: job.bucket, Key: keys[next++] }));
      for await (const chunk of got.Body) bytes += chunk.length;
    }
  }),
);
const ms = performance.now() - started;
const used = process.cpuUsage(cpu);
client.destroy();
process.stdout.write(`${JSON.stringify({ bytes, ms, cpuS: (used.user + used.system) / 1e6, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
