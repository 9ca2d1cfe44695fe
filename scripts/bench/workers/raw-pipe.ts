/**
 * Diagnostic baseline: both legs at once with nothing of the archiver's in between. A plain
 * undici GET of a fresh link piped straight into the same lib-storage Upload (no hash, no byte
 * meter, no events). On a machine where the source, the archiver and the store share the CPU,
 * this is the most any program can get; the archive pass is compared with it too.
 * `raw-pipe.ts JSON` (UploadJob plus `link`). Prints one JSON line: {bytes, ms, cpuS} (CPU of the transfer alone).
 */
import { Upload } from '@aws-sdk/lib-storage';
import { Agent, request } from 'undici';
import { createS3Client } from '../../../src/store/s3-store.js';
import { readJob, type UploadJob } from './job.js';

const job = readJob<UploadJob & { link: string }>(process.argv[2], 'raw-pipe.ts JOB_JSON');
const client = createS3Client({
  region: 'us-east-1',
  endpoint: job.endpoint,
  forcePathStyle: true,
  credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '' },
  maxSockets: job.maxSockets,
});
const dispatcher = new Agent({ connections: 1 });
const cpu = process.cpuUsage();
const started = performance.now();
const { statusCode, body } = await request(job.link, { method: 'GET', dispatcher });
if (statusCode !== 200) throw new Error(`download answered ${statusCode}`);
const upload = new Upload({
  client,
  params: { Bucket: job.bucket, Key: job.key, Body: body, ContentType: 'text/plain; charset=utf-8' },
  partSize: job.partSize,
  queueSize: job.queueSize,
  leavePartsOnError: false,
});
await upload.done();
const ms = performance.now() - started;
const used = process.cpuUsage(cpu);
const cpuS = (used.user + used.system) / 1e6;
client.destroy();
await dispatcher.close();
process.stdout.write(`${JSON.stringify({ bytes: job.size, ms, cpuS })}\n`);
