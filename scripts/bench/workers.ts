/** Runs a baseline worker (workers/*.ts) as its own Node process and reads its JSON line. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface WorkerResult {
  bytes: number;
  ms: number;
  /** User + system CPU seconds of the transfer alone (start-up excluded). */
  cpuS: number;
  /** The process's peak RSS, where the worker reports it. */
  maxRssBytes?: number;
}

export async function runWorker(root: string, script: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<WorkerResult> {
  let stdout = '';
  let stderr = '';
  const code = await new Promise<number>((resolve, reject) => {
    // A .mjs worker runs on plain node: no TypeScript loader in its memory figures.
    const loader = script.endsWith('.mjs') ? [] : ['--import', 'tsx'];
    const child = spawn(process.execPath, [...loader, join(root, 'scripts/bench/workers', script), ...args], {
      cwd: root,
      env: { ...process.env, ...env, AWS_EC2_METADATA_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4_000)));
    child.once('error', reject);
    child.once('close', (exit) => resolve(exit ?? 1));
  });
  const line = stdout.trim().split('\n').pop() ?? '';
  if (code !== 0 || !line.startsWith('{')) throw new Error(`baseline ${script} failed (exit ${code}): ${stderr.trim().split('\n').slice(-5).join('\n')}`);
  return JSON.parse(line) as WorkerResult;
}
