/**
 * Baseline: the raw upload alone. The same bytes the simulator serves, generated in memory,
 * through `@aws-sdk/lib-storage` Upload with the archiver's client and part settings.
 * `raw-upload.ts JSON` (see UploadJob); credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
 * Prints one JSON line: {bytes, ms, cpuS} (CPU of the transfer alone).
 */
import { Upload } from '@aws-sdk/lib-storage';
import { contentStream, templateFor } from '../../../sim/content.js';
import { createS3Client } from '../../../src/store/s3-store.js';
import { readJob, type UploadJob } from './job.js';

const job = readJob<UploadJob>(process.argv[2], 'raw-upload.ts JOB_JSON');
const client = createS3Client({
  region: 'us-east-1',
  endpoint: job.endpoint,
  forcePathStyle: true,
  credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '' },
  maxSockets: job.maxSockets,
});
const body = contentStream(templateFor(job.seed, job.date), 0, job.size);
const cpu = process.cpuUsage();
const started = performance.now();
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
process.stdout.write(`${JSON.stringify({ bytes: job.size, ms, cpuS })}\n`);
