/**
 * `npm run demo`: a whole archive pass, through the real CLI, against the bundled DCS simulator
 * and into a local directory (.demo/archive). No cloud account, nothing to configure.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import { main } from './cli.js';
import { DcsSimulator, seedDemoFleet } from './sim/index.js';

const PROJECT_ID = '0d3c5a1b2e4f46a7b8c9d0e1f2a3b4c5';

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
    const code = await main(['archive', '--config', configPath], {
      env: { ...process.env, HUAWEICLOUD_SDK_AK: ak, HUAWEICLOUD_SDK_SK: sk },
      cwd,
      stdout: process.stdout,
      stderr: process.stderr,
      signals: process,
    });
    const shown = relative(cwd, archive) || '.';
    const runs = await readdir(join(archive, 'runs')).catch(() => []);
    process.stdout.write(
      `\nArchived into ${shown}/ (exit code ${code}). Look at:\n` +
        `  ${shown}/manifests/        one manifest per instance: what was kept, with SHA-256\n` +
        `  ${shown}/runs/${runs[0] ?? ''}  the run report\n` +
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
