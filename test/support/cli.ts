import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_TEST_SECRETS, TEST_AK, TEST_SK } from './secrets.js';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const OUTPUT_DIR = process.env.ARCHIVER_TEST_OUTPUT_DIR;
/**
 * Where the CLI runs unless a test says otherwise: an empty folder, so a ./dcs-log-archiver.yaml
 * in the repository (one `init` wrote) is never read by a test that gives no configuration.
 */
const NEUTRAL_CWD = mkdtempSync(join(tmpdir(), 'archiver-cwd-'));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as pino JSON lines (lines that are not JSON are left out). */
  lines: Array<Record<string, unknown>>;
}

/** Environment for a CLI run against the simulator: its credentials, nothing else of the machine's secrets. */
export function simEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    HUAWEICLOUD_SDK_AK: TEST_AK,
    HUAWEICLOUD_SDK_SK: TEST_SK,
    LOG_FORMAT: 'json',
    ...extra,
  };
}

/**
 * Runs the built CLI as users do (`node dist/cli.js ...`) and keeps its output. Every output is
 * also appended to the suite's output folder, which the global teardown scans for secrets.
 */
export async function runCli(args: string[], env: Record<string, string>, options: { cwd?: string; onSpawn?: (pid: number) => void } = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], { env, cwd: options.cwd ?? NEUTRAL_CWD, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid !== undefined) options.onSpawn?.(child.pid);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  if (OUTPUT_DIR) {
    await mkdir(OUTPUT_DIR, { recursive: true });
    await appendFile(join(OUTPUT_DIR, 'cli-output.log'), `${stdout}\n${stderr}\n`);
  }
  const lines = stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  return { code, stdout, stderr, lines };
}

/** The secrets a text must never contain: the test credentials and every issued link's query string. */
export function leakedSecrets(text: string, issuedLinks: readonly string[] = [], extra: readonly string[] = []): string[] {
  const queries = issuedLinks.map((link) => new URL(link).search.slice(1)).filter((q) => q.length > 0);
  const signatures = issuedLinks.map((link) => new URL(link).searchParams.get('Signature')).filter((s): s is string => !!s);
  return [...ALL_TEST_SECRETS, ...extra, ...queries, ...signatures].filter((secret) => text.includes(secret));
}
