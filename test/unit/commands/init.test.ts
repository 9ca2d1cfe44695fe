import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli.js';
import { loadConfig, parseConfigText, validateConfig } from '../../../src/config/load.js';
import { STARTER_CONFIG } from '../../../src/config/starter.js';

async function cli(argv: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const code = await main(argv, { env: { LOG_FORMAT: 'json' }, cwd, stdout, stderr });
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

describe('init', () => {
  it('writes ./dcs-log-archiver.yaml, which the other commands then find and which validates', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'archiver-init-'));
    const result = await cli(['init'], cwd);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('wrote dcs-log-archiver.yaml');
    expect(await readFile(join(cwd, 'dcs-log-archiver.yaml'), 'utf8')).toBe(STARTER_CONFIG);
    // Found by the lookup alone: no --config, no ARCHIVER_CONFIG.
    const loaded = await loadConfig({ env: {}, cwd });
    expect(loaded.source).toBe('dcs-log-archiver.yaml');
    expect(loaded.config.destination.url).toEqual({ kind: 's3', bucket: 'team-logs', prefix: 'dcs-runlogs/' });
    expect(((await stat(join(cwd, 'dcs-log-archiver.yaml'))).mode & 0o777).toString(8)).toBe('640');
  });

  it('writes to the PATH given, and names it in the next step', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'archiver-init-'));
    const result = await cli(['init', 'prod.yaml'], cwd);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('archive --dry-run --config prod.yaml');
    expect((await loadConfig({ configPath: 'prod.yaml', env: {}, cwd })).config.schedule.timezone).toBe('UTC');
  });

  it('leaves an existing file as it is (exit 2) unless --force', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'archiver-init-'));
    const path = join(cwd, 'dcs-log-archiver.yaml');
    await writeFile(path, 'edited: by hand\n');
    const refused = await cli(['init'], cwd);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toContain('dcs-log-archiver.yaml exists and was left as it is; pass --force');
    expect(await readFile(path, 'utf8')).toBe('edited: by hand\n');
    expect((await cli(['init', '--force'], cwd)).code).toBe(0);
    expect(await readFile(path, 'utf8')).toBe(STARTER_CONFIG);
  });

  it('says so when the directory of PATH does not exist', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'archiver-init-'));
    const result = await cli(['init', 'missing/config.yaml'], cwd);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('cannot write missing/config.yaml: its directory does not exist');
  });

  it('starts from values that are the defaults, so the starter changes nothing it does not say', () => {
    const starter = validateConfig(parseConfigText(STARTER_CONFIG));
    expect(starter).toEqual(validateConfig({ destination: { url: 's3://team-logs/dcs-runlogs/' } }));
  });
});
