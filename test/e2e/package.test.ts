import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DcsSimulator } from '../../sim/index.js';
import { leakedSecrets, simEnv } from '../support/cli.js';
import { dayBefore } from '../support/days.js';
import { s3Target, uniquePrefix } from '../support/s3-target.js';
import { TEST_AK, TEST_PROJECT_ID, TEST_SK } from '../support/secrets.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** What a fresh clone holds that the build and the package need: no dist/. */
const SOURCES = ['package.json', 'package-lock.json', 'README.md', 'tsconfig.json', 'tsconfig.build.json', 'src', 'config'];

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd: string, env: Record<string, string>): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** npm with the machine's cache and nothing of the test runner's npm settings. */
function npmEnv(): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', AWS_EC2_METADATA_DISABLED: 'true' };
  if (process.env.npm_config_cache) env.npm_config_cache = process.env.npm_config_cache;
  return env;
}

/**
 * The lockfile of a folder that depends on the tarball alone: the package's own entry and the
 * non-dev entries of the project's lockfile, so the install takes exactly the pinned versions
 * from the npm cache (`npm ci` has put them there) and a runtime dependency declared only as a
 * dev dependency would be missing, as it would be for a user.
 */
async function consumerLock(tarball: string): Promise<{ pkg: object; lock: object }> {
  const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, Record<string, unknown>> };
  const own = lock.packages['']!;
  const spec = `file:${tarball}`;
  const packages: Record<string, unknown> = {
    '': { dependencies: { 'dcs-log-archiver': spec } },
    'node_modules/dcs-log-archiver': { version: own.version, resolved: spec, license: own.license, dependencies: own.dependencies, bin: own.bin, engines: own.engines },
  };
  for (const [key, entry] of Object.entries(lock.packages)) if (key !== '' && !entry.dev && !entry.devOptional) packages[key] = entry;
  return { pkg: { private: true, dependencies: { 'dcs-log-archiver': spec } }, lock: { lockfileVersion: 3, requires: true, packages } };
}

describe('the npm package', () => {
  let tarball: string;
  let consumer: string;
  let packed: Ran;
  let installed: Ran;
  const outputs: string[] = [];

  beforeAll(async () => {
    // A copy without dist/, packed there: `prepack` must build it, and the dist/ the other
    // tests run is left alone.
    const clone = await mkdtemp(join(tmpdir(), 'archiver-clone-'));
    for (const entry of SOURCES) await cp(join(ROOT, entry), join(clone, entry), { recursive: true });
    await symlink(join(ROOT, 'node_modules'), join(clone, 'node_modules'));
    const out = await mkdtemp(join(tmpdir(), 'archiver-pack-'));
    packed = await run('npm', ['pack', '--pack-destination', out], clone, npmEnv());
    tarball = join(out, packed.stdout.trim().split('\n').at(-1) ?? '');

    consumer = await mkdtemp(join(tmpdir(), 'archiver-consumer-'));
    const { pkg, lock } = await consumerLock(tarball);
    await writeFile(join(consumer, 'package.json'), JSON.stringify(pkg));
    await writeFile(join(consumer, 'package-lock.json'), JSON.stringify(lock));
    installed = await run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], consumer, npmEnv());
    // A cache that lacks a tarball (npm ci never ran with it): fetch only what is missing.
    if (installed.code !== 0 && installed.stderr.includes('ENOTCACHED')) installed = await run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], consumer, npmEnv());
  }, 300_000);

  afterAll(() => {
    for (const text of outputs) expect(leakedSecrets(text)).toEqual([]);
  });

  const npx = async (args: string[], env: Record<string, string> = {}, cwd = consumer): Promise<Ran> => {
    // --no: never fetch a package of that name from the registry; the installed bin or nothing.
    const result = await run('npx', ['--no', '--', 'dcs-log-archiver', ...args], cwd, { ...npmEnv(), ...env });
    outputs.push(result.stdout + result.stderr);
    return result;
  };

  it('packs dist/ (built by prepack), the documented defaults and the README, and no sources or tests', async () => {
    expect(packed.code, packed.stderr).toBe(0);
    const listed = packed.stderr.split('\n').flatMap((line) => /^npm notice [\d.]+k?B\s+(\S+)$/.exec(line)?.[1] ?? []);
    expect(listed).toEqual(expect.arrayContaining(['dist/cli.js', 'config/default.yaml', 'README.md', 'package.json']));
    expect(listed.filter((path) => !/^(dist\/|config\/|README\.md$|package\.json$)/.test(path))).toEqual([]);
  });

  it('installs into an empty folder and runs `npx dcs-log-archiver --help`', async () => {
    expect(installed.code, installed.stderr).toBe(0);
    const help = await npx(['--help']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain('dcs-log-archiver: keep Huawei Cloud DCS (Redis) run logs in your own bucket.');
    expect(help.stdout).toContain('dcs-log-archiver init [PATH]');
    const version = await npx(['--version']);
    expect(version.stdout.trim()).toBe(JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).version);
  });

  it('reads no configuration of its own: without one it exits 2 naming the three ways to give one', async () => {
    // The installed package holds config/default.yaml; the folder holds no configuration.
    const result = await npx(['archive'], { LOG_FORMAT: 'json' });
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('no configuration file');
    for (const way of ['--config FILE', 'ARCHIVER_CONFIG', './dcs-log-archiver.yaml']) expect(result.stdout).toContain(way);
    expect(await readdir(consumer)).not.toContain('dcs-log-archiver.yaml');
  });

  it('archives with the installed binary from the config `init` wrote, found in the working directory', async () => {
    const sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK } });
    try {
      const replica = sim.addInstance(TEST_PROJECT_ID, { id: 'pack-0', name: 'pack-0', cacheMode: 'single' }).replicas[0]!;
      sim.addLog(TEST_PROJECT_ID, 'pack-0', { replicationIp: replica.ip, groupName: replica.groupName, date: dayBefore(1), size: 3000 });
      const work = join(consumer, 'work');
      await mkdir(work);
      const init = await npx(['init'], { LOG_FORMAT: 'json' }, work);
      expect(init.code, init.stdout + init.stderr).toBe(0);
      const starter = await readFile(join(work, 'dcs-log-archiver.yaml'), 'utf8');
      expect(starter).toContain('destination:');
      // The starter, filled in as its comments say.
      const t = s3Target();
      const filled = starter
        .replace('projectId: null', `projectId: ${TEST_PROJECT_ID}\n  endpoint: ${sim.endpoint}\n  allowHttp: true`)
        .replace('instances: []', 'instances: [pack-0]')
        .replace('url: s3://team-logs/dcs-runlogs/', `url: s3://${t.bucket}/${uniquePrefix('package')}`)
        .replace('endpoint: null', `endpoint: ${t.endpoint}`)
        .replace('region: us-east-1', `region: ${t.region}`)
        .replace('forcePathStyle: false', `forcePathStyle: ${t.forcePathStyle}`);
      await writeFile(join(work, 'dcs-log-archiver.yaml'), `${filled}collect:\n  enabled: false\n`);
      const pass = await npx(['archive'], simEnv({ AWS_ACCESS_KEY_ID: t.accessKeyId, AWS_SECRET_ACCESS_KEY: t.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true' }), work);
      expect(pass.code, pass.stdout + pass.stderr).toBe(0);
      expect(pass.stdout).toContain('"msg":"archived"');
    } finally {
      await sim.close();
    }
  });
});
