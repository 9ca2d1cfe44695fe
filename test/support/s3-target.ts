/**
 * The S3-compatible bucket the tests write to, handed over by global-setup.ts: a Swift started
 * for the run, or the server named by S3_TEST_ENDPOINT. Each test works under its own prefix.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

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
