import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_TEST_SECRETS } from './secrets.js';

/**
 * Collects the output of every CLI run of the suite in one folder and, at the end, scans it
 * for the test secrets and for pre-signed links' query strings. Any hit fails the run.
 */
export async function setup(): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'archiver-output-'));
  process.env.ARCHIVER_TEST_OUTPUT_DIR = dir;
  return async () => {
    const hits: string[] = [];
    for (const name of await readdir(dir)) {
      const text = await readFile(join(dir, name), 'utf8');
      for (const secret of ALL_TEST_SECRETS) if (text.includes(secret)) hits.push(`${name}: ${secret.slice(0, 6)}…`);
      for (const match of text.matchAll(/[?&](Signature|AWSAccessKeyId|Expires)=[^&\s"[]+/g)) hits.push(`${name}: a link query (${match[1]})`);
    }
    await rm(dir, { recursive: true, force: true });
    if (hits.length > 0) throw new Error(`secrets leaked into test output:\n${hits.join('\n')}`);
  };
}
