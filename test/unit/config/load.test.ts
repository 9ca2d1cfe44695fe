import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { parseDestinationUrl } from '../../../src/config/destination.js';
import { loadConfig, validateConfig } from '../../../src/config/load.js';

async function withFile(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'archiver-config-'));
  const path = join(dir, 'config.yaml');
  await writeFile(path, text);
  return path;
}

async function configError(promise: Promise<unknown> | (() => unknown)): Promise<ConfigError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const minimal = 'destination:\n  url: file:///tmp/archive/\n';

describe('configuration', () => {
  it('documents every key of the schema in config/default.yaml, with the schema defaults', async () => {
    const text = await readFile(new URL('../../../config/default.yaml', import.meta.url), 'utf8');
    const documented = parseYaml(text) as Record<string, unknown>;
    const defaults = validateConfig({ destination: { url: 's3://team-logs/dcs-runlogs/' } });
    expect(validateConfig(documented)).toEqual(defaults);
    const keys = (o: unknown, prefix = ''): string[] =>
      o && typeof o === 'object' && !Array.isArray(o) ? Object.entries(o).flatMap(([k, v]) => [`${prefix}${k}`, ...keys(v, `${prefix}${k}.`)]) : [];
    // destination.url comes out parsed into its parts; it is still one key.
    const settings = { ...defaults, destination: { ...defaults.destination, url: 's3://team-logs/dcs-runlogs/' } };
    expect(keys(documented).sort()).toEqual(keys(settings).sort());
  });

  it('applies defaults < file < env < flags', async () => {
    const path = await withFile(`${minimal}archive:\n  concurrency: 3\n  compression: gzip\ndcs:\n  projectId: fromfile\n`);
    const base = await loadConfig({ configPath: path, env: {}, cwd: '/' });
    expect(base.config.archive.concurrency).toBe(3);
    expect(base.config.archive.includeOpenDay).toBe(false);
    const env = await loadConfig({ configPath: path, env: { ARCHIVER_CONCURRENCY: '5', HUAWEICLOUD_SDK_PROJECT_ID: 'fromenv' }, cwd: '/' });
    expect([env.config.archive.concurrency, env.config.dcs.projectId]).toEqual([5, 'fromenv']);
    const flags = await loadConfig({ configPath: path, env: { ARCHIVER_CONCURRENCY: '5' }, cwd: '/', overrides: ['archive.concurrency=7'] });
    expect([flags.config.archive.concurrency, flags.config.archive.compression]).toEqual([7, 'gzip']);
  });

  it('reads the file named by --config, else ARCHIVER_CONFIG, else ./dcs-log-archiver.yaml in the working directory', async () => {
    const a = await withFile(`${minimal}archive:\n  concurrency: 2\n`);
    const b = await withFile(`${minimal}archive:\n  concurrency: 4\n`);
    const cwd = await mkdtemp(join(tmpdir(), 'archiver-cwd-'));
    await writeFile(join(cwd, 'dcs-log-archiver.yaml'), `${minimal}archive:\n  concurrency: 6\n`);
    expect((await loadConfig({ configPath: a, env: { ARCHIVER_CONFIG: b }, cwd })).config.archive.concurrency).toBe(2);
    expect((await loadConfig({ env: { ARCHIVER_CONFIG: b }, cwd })).config.archive.concurrency).toBe(4);
    const local = await loadConfig({ env: { ARCHIVER_CONFIG: '' }, cwd });
    expect([local.source, local.config.archive.concurrency]).toEqual(['dcs-log-archiver.yaml', 6]);
  });

  it('never falls back to the documented defaults: without any of the three it names them all', async () => {
    // The repository root holds config/default.yaml, which must not be read for a user.
    const error = await configError(loadConfig({ env: {}, cwd: new URL('../../..', import.meta.url).pathname }));
    expect(error.message).toContain('no configuration file');
    for (const way of ['--config FILE', 'ARCHIVER_CONFIG', './dcs-log-archiver.yaml']) expect(error.message).toContain(way);
  });

  it('names the way a missing file was chosen', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'archiver-cwd-'));
    expect((await configError(loadConfig({ configPath: 'nope.yaml', env: {}, cwd }))).message).toMatch(/^cannot read config file nope\.yaml \(from --config\): it does not exist/);
    expect((await configError(loadConfig({ env: { ARCHIVER_CONFIG: 'gone.yaml' }, cwd }))).message).toMatch(/^cannot read config file gone\.yaml \(from ARCHIVER_CONFIG\): it does not exist/);
  });

  it('names the key, the value and what is allowed for a bad value', async () => {
    const error = await configError(loadConfig({ configPath: await withFile(`${minimal}archive:\n  concurrency: 0\n`), env: {}, cwd: '/' }));
    expect(error.path).toBe('archive.concurrency');
    expect(error.message).toContain('got 0; allowed: an integer from 1 to 256');
  });

  it('names an unknown key and lists the allowed ones', async () => {
    const error = await configError(() => validateConfig({ destination: { url: 'file:///x/' }, archive: { concurency: 3 } }));
    expect(error.message).toContain('config archive: unknown key "concurency"; allowed: concurrency, includeOpenDay');
  });

  it('lists enum choices and reports every problem at once', async () => {
    const error = await configError(() => validateConfig({ destination: { url: 'ftp://x' }, archive: { compression: 'zip' } }));
    expect(error.message).toContain('config archive.compression: got "zip"; allowed: "none" | "gzip"');
    expect(error.message).toContain('config destination.url: got "ftp://x"');
  });

  it('requires a destination', async () => {
    const error = await configError(() => validateConfig({}));
    expect(error.message).toContain('config destination: is required');
  });

  it('refuses an http DCS endpoint unless allowHttp is set', async () => {
    const error = await configError(() => validateConfig({ destination: { url: 'file:///x/' }, dcs: { endpoint: 'http://127.0.0.1:1' } }));
    expect(error.path).toBe('dcs.endpoint');
    expect(validateConfig({ destination: { url: 'file:///x/' }, dcs: { endpoint: 'http://127.0.0.1:1', allowHttp: true } }).dcs.allowHttp).toBe(true);
  });

  it('refuses key templates that could give two files one key', async () => {
    const error = await configError(() => validateConfig({ destination: { url: 'file:///x/' }, archive: { keyTemplate: '{instanceId}/{date}.log' } }));
    expect(error.path).toBe('archive.keyTemplate');
    const unknown = await configError(() => validateConfig({ destination: { url: 'file:///x/' }, archive: { keyTemplate: '{instanceId}/{nope}/{fileName}' } }));
    expect(unknown.message).toContain('placeholders among');
  });

  it('refuses an unknown time zone and an invalid cron', async () => {
    const error = await configError(() => validateConfig({ destination: { url: 'file:///x/' }, schedule: { timezone: 'Mars/Base', cron: '99 * * * *' } }));
    expect(error.message).toContain('config schedule.timezone: got "Mars/Base"');
    expect(error.message).toContain('config schedule.cron: got "99 * * * *"');
  });

  it('takes a time zone only as a region name or UTC: an abbreviation is refused with what it may mean', async () => {
    const zone = (timezone: string) => validateConfig({ destination: { url: 'file:///x/' }, schedule: { timezone } }).schedule.timezone;
    for (const ok of ['UTC', 'Etc/UTC', 'Etc/GMT-8', 'Asia/Shanghai', 'America/Chicago', 'Europe/Berlin']) expect(zone(ok)).toBe(ok);
    for (const abbreviation of ['CST', 'IST', 'EST', 'PST', 'GMT', 'utc']) {
      const error = await configError(() => zone(abbreviation));
      expect(error.message).toContain(`config schedule.timezone: got "${abbreviation}"; allowed: an IANA region name such as Asia/Shanghai, America/Chicago or Europe/Berlin, or UTC`);
    }
    expect((await configError(() => zone('CST'))).message).toContain('did you mean Asia/Shanghai (China) or America/Chicago (US Central)?');
  });

  it('refuses a duplicate instance and accepts ids or {id, name}', async () => {
    const ok = validateConfig({ destination: { url: 'file:///x/' }, instances: ['a-1', { id: 'b-2', name: 'orders' }] });
    expect(ok.instances).toEqual([{ id: 'a-1', name: undefined }, { id: 'b-2', name: 'orders' }]);
    const error = await configError(() => validateConfig({ destination: { url: 'file:///x/' }, instances: ['a-1', 'a-1'] }));
    expect(error.path).toBe('instances[1].id');
  });

  it('explains YAML syntax errors and a missing file', async () => {
    const bad = await configError(loadConfig({ configPath: await withFile('dcs: [\n'), env: {}, cwd: '/' }));
    expect(bad.message).toContain('is not valid YAML');
    const missing = await configError(loadConfig({ configPath: 'nope.yaml', env: {}, cwd: tmpdir() }));
    expect(missing.message).toContain('cannot read config file nope.yaml (from --config): it does not exist');
  });

  it('rejects a non-numeric number from the environment, naming the variable', async () => {
    const error = await configError(loadConfig({ configPath: await withFile(minimal), env: { ARCHIVER_CONCURRENCY: 'lots' }, cwd: '/' }));
    expect(error.message).toContain('from ARCHIVER_CONCURRENCY');
  });

  it('says each problem once, with one prefix', async () => {
    const error = await configError(() => validateConfig({ destination: { url: 'file:///x/' }, archive: { concurrency: 0 } }));
    expect(error.message).toBe('config archive.concurrency: got 0; allowed: an integer from 1 to 256');
  });

  it('gives the allowed range for a value of the wrong type too', async () => {
    const error = await configError(() => validateConfig({ destination: { url: 'file:///x/' }, archive: { concurrency: 'eight', partSizeMiB: 5.5 }, dcs: { requestsPerSecond: 'fast' } }));
    expect(error.message.split('\n  ')).toEqual([
      'config dcs.requestsPerSecond: got "fast"; allowed: a number from 0.2 to 1000',
      'config archive.concurrency: got "eight"; allowed: an integer from 1 to 256',
      'config archive.partSizeMiB: got 5.5; allowed: an integer from 5 to 512',
    ]);
  });

  it('words types, lengths and sections from the issue when the schema names nothing', async () => {
    const error = await configError(() => validateConfig({ destination: 's3://x/', collect: { enabled: 'yes' }, discover: { tags: { '': 'x' } } }));
    expect(error.message).toContain('config destination: got "s3://x/"; allowed: a mapping with keys url, endpoint, region, forcePathStyle');
    expect(error.message).toContain('config collect.enabled: got "yes"; allowed: true or false');
    expect(error.message).toContain('config discover.tags[""]: got ""; allowed: a tag key of 1 to 128 characters');
  });

  it('reports a cross-field problem together with the others', async () => {
    const error = await configError(() => validateConfig({ destination: { url: 'file:///x/' }, dcs: { endpoint: 'http://127.0.0.1:1' }, archive: { concurrency: 0 }, instances: ['a-1', 'a-1'] }));
    expect(error.message.split('\n  ')).toEqual([
      'config archive.concurrency: got 0; allowed: an integer from 1 to 256',
      'config dcs.endpoint: got "http://127.0.0.1:1"; allowed: an https:// URL (set dcs.allowHttp: true only for a local simulator)',
      'config instances[1].id: got "a-1"; allowed: each instance once',
    ]);
  });

  it('reports a section that is not a mapping as written, not as the key an environment variable sets, and hides nothing', async () => {
    const path = await withFile('dcs: []\narchive:\n  concurrency: 0\ndestination:\n  url: file:///x/\n');
    const error = await configError(loadConfig({ configPath: path, env: { HUAWEICLOUD_SDK_PROJECT_ID: 'p1' }, cwd: '/' }));
    expect(error.path).toBe('dcs');
    expect(error.message).not.toContain('projectId:');
    expect(error.message.split('\n  ')).toEqual([
      'config dcs: got []; allowed: a mapping with keys region, endpoint, projectId, allowHttp, requestsPerSecond, retry, timeouts',
      'config archive.concurrency: got 0; allowed: an integer from 1 to 256',
    ]);
  });

  it('names the variable or flag a bad value came from, with what is allowed', async () => {
    const error = await configError(loadConfig({ configPath: await withFile(minimal), env: { ARCHIVER_CONCURRENCY: 'lots' }, cwd: '/', overrides: ['schedule.timezone=PST', 'nonsense'] }));
    expect(error.message).toContain('--set "nonsense": expected key.path=value');
    expect(error.message).toContain('config archive.concurrency: got "lots" from ARCHIVER_CONCURRENCY; allowed: an integer from 1 to 256');
    expect(error.message).toContain('config schedule.timezone: got "PST" from --set schedule.timezone; allowed: an IANA region name');
  });

  it('shows a YAML error at line:column with the line and a caret under the spot', async () => {
    const bad = await configError(loadConfig({ configPath: await withFile('dcs:\n  region: cn-north-4\narchive:\n  concurrency: [\n'), env: {}, cwd: '/' }));
    const [first, ...excerpt] = bad.message.split('\n');
    expect(first).toMatch(/config\.yaml:4:17 is not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a \]$/);
    expect(excerpt).toEqual(['  4 |   concurrency: [', '    |                 ^']);
    const twice = await configError(loadConfig({ configPath: await withFile('archive:\n  concurrency: 2\n  concurrency: 3\n'), env: {}, cwd: '/' }));
    expect(twice.message.split('\n')[0]).toMatch(/config\.yaml:3:3 is not valid YAML: Map keys must be unique$/);
  });

  it('parses the destination URL once, in the schema, into what the stores take', () => {
    expect(validateConfig({ destination: { url: 's3://team-logs/dcs-runlogs' } }).destination.url).toEqual({ kind: 's3', bucket: 'team-logs', prefix: 'dcs-runlogs/' });
    expect(validateConfig({ destination: { url: 'file:///var/lib/archive/' } }).destination.url).toEqual({ kind: 'file', root: '/var/lib/archive/' });
  });

  it('parses destinations into bucket and prefix, or a root directory', () => {
    expect(parseDestinationUrl('s3://team-logs/dcs-runlogs')).toEqual({ kind: 's3', bucket: 'team-logs', prefix: 'dcs-runlogs/' });
    expect(parseDestinationUrl('s3://team-logs')).toEqual({ kind: 's3', bucket: 'team-logs', prefix: '' });
    expect(parseDestinationUrl('file:///var/lib/archive/')).toEqual({ kind: 'file', root: '/var/lib/archive/' });
    expect(typeof parseDestinationUrl('s3://team-logs/../x')).toBe('string');
    expect(typeof parseDestinationUrl('file://relative/x')).toBe('string');
  });
});
