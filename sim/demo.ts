/**
 * `npm run demo`: a whole archive pass, through the built CLI, against the DCS simulator and into
 * a local directory (.demo/archive). No cloud account, nothing to configure.
 *
 * The simulator is not part of the product (it is in neither dist/ nor the image), so this runs
 * from sim/ under tsx, a dev dependency, and starts the product as users do: `node dist/cli.js
 * archive` in a child process (`npm run demo` builds dist/ first). The child shares this
 * terminal, so its log lines and progress look exactly as in production, and a Ctrl-C reaches it
 * directly and is handled by the CLI's own shutdown.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { DcsSimulator, seedDemoFleet } from './index.js';

const PROJECT_ID = '0d3c5a1b2e4f46a7b8c9d0e1f2a3b4c5';
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** Runs the built CLI with this terminal; resolves with its exit code. */
function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: 'inherit' });
    // The terminal sends Ctrl-C to the child as well; this process waits for it to finish.
    const ignore = (): void => undefined;
    process.on('SIGINT', ignore);
    process.on('SIGTERM', ignore);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', ignore);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

async function demo(): Promise<number> {
  const cwd = process.cwd();
  const root = join(cwd, '.demo');
  const archive = join(root, 'archive');
  await mkdir(archive, { recursive: true });

  // Throwaway credentials that protect nothing but this simulator.
  const ak = `DEMO${randomBytes(6).toString('hex').toUpperCase()}`;
  const sk = randomBytes(18).toString('base64url');
  const sim = await DcsSimulator.start({ credentials: { ak, sk } });
  try {
    const fleet = seedDemoFleet(sim, PROJECT_ID, Date.now());
    const configPath = join(root, 'config.yaml');
    await writeFile(
      configPath,
      stringify({
        dcs: { endpoint: sim.endpoint, projectId: PROJECT_ID, allowHttp: true },
        instances: fleet.instances.map((instance) => ({ id: instance.id, name: instance.name })),
        collect: { enabled: true, waitSeconds: 30 },
        archive: { concurrency: 4 },
        destination: { url: `file://${archive}/` },
      }),
    );
    process.stdout.write(`Simulated DCS with ${fleet.instances.length} instances and ${fleet.logs.length} run logs at ${sim.endpoint}\n\n`);
    const code = await runCli(['archive', '--config', configPath], { ...process.env, HUAWEICLOUD_SDK_AK: ak, HUAWEICLOUD_SDK_SK: sk });
    const shown = relative(cwd, archive) || '.';
    // Run ids start with their UTC time, so the newest report sorts last.
    const runs = (await readdir(join(archive, 'runs')).catch(() => [])).sort();
    process.stdout.write(
      `\nArchived into ${shown}/ (exit code ${code}). Look at:\n` +
        `  ${shown}/manifests/        one manifest per instance: what was kept, with SHA-256\n` +
        `  ${shown}/runs/${runs.at(-1) ?? ''}  the run report of this pass\n` +
        `Run \`npm run demo\` again: nothing new is uploaded.\n`,
    );
    return code;
  } finally {
    await sim.close();
  }
}

demo().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
