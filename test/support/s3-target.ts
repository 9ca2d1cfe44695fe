/**
 * The S3-compatible bucket the tests write to, handed over by global-setup.ts: a Swift started
 * for the run, or the server named by S3_TEST_ENDPOINT. Each test works under its own prefix.
 */
import { randomBytes } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { inject } from 'vitest';
import { createS3Client } from '../../src/store/s3-store.js';

export interface S3Target {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  forcePathStyle: boolean;
}

/** What global setup provides: the target, or why there is none (so only S3 tests fail, loudly). */
export type ProvidedS3Target = { target: S3Target } | { unavailable: string };

declare module 'vitest' {
  export interface ProvidedContext {
    s3: ProvidedS3Target;
  }
}

export function s3Target(): S3Target {
  const provided = inject('s3');
  if ('unavailable' in provided) throw new Error(`no S3-compatible server for this test: ${provided.unavailable}`);
  return provided.target;
}

/** A fresh key prefix in the shared bucket, named after the test so leftovers can be traced. */
export function uniquePrefix(name: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'test';
  return `tests/${slug}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}/`;
}

/** A client of the target, made as the archiver makes its own. */
export function clientFor(target: S3Target): S3Client {
  return createS3Client({
    endpoint: target.endpoint,
    region: target.region,
    forcePathStyle: target.forcePathStyle,
    credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
  });
}

/** Watches `client`: the name of every command it sends from now on, in order. */
export function recordCommandNames(client: S3Client): string[] {
  const sent: string[] = [];
  client.middlewareStack.add(
    (next, context) => (args) => {
      sent.push(context.commandName ?? 'unknown');
      return next(args);
    },
    { step: 'initialize', name: 'recordCommandNames' },
  );
  return sent;
}
