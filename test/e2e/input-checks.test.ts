import { mkdtemp, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DcsSimulator } from '../../sim/index.js';
import { leakedSecrets, runCli, simEnv, type CliResult } from '../support/cli.js';
import { dayBefore } from '../support/days.js';
import { TEST_AK, TEST_LINK_SECRET, TEST_PROJECT_ID, TEST_SK } from '../support/secrets.js';

/**
 * Bad input as the user meets it: the built CLI, a real simulator that must see no request,
 * and a real directory that must stay empty. Every refusal is exit 2 with a first line that
 * names the setting, the value and what is allowed.
 */
describe('bad input is refused with exit 2 before any network call', () => {
  let sim: DcsSimulator;
  let work: string;
  let root: string;
  const outputs: CliResult[] = [];

  const configFile = async (name: string, text: string): Promise<string> => {
    const path = join(work, name);
    await writeFile(path, text);
    return path;
  };

  /** A valid config for the simulator and the directory, as YAML, with `extra` appended. */
  const validYaml = (extra = ''): string =>
    `dcs:\n  endpoint: ${sim.endpoint}\n  allowHttp: true\n  projectId: ${TEST_PROJECT_ID}\ninstances: [inst-0]\ncollect:\n  enabled: false\ndestination:\n  url: file://${root}/\n${extra}`;

  const run = async (args: string[], env: Record<string, string> = {}): Promise<CliResult> => {
    const result = await runCli(args, simEnv(env));
    outputs.push(result);
    return result;
  };

  /** The first line the user reads: stderr when the logger itself is refused, else the first log line. */
  const firstLine = (result: CliResult): string => (result.stderr.trim() ? result.stderr.split('\n')[0]! : String(result.lines[0]?.msg ?? '').split('\n')[0]!);

  const expectRefused = async (result: CliResult): Promise<void> => {
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(sim.requests).toEqual([]);
    expect(await readdir(root)).toEqual([]);
  };

  beforeAll(async () => {
    sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK }, linkSecret: TEST_LINK_SECRET });
    const replica = sim.addInstance(TEST_PROJECT_ID, { id: 'inst-0', name: 'cache-0', cacheMode: 'single' }).replicas[0]!;
    sim.addLog(TEST_PROJECT_ID, 'inst-0', { replicationIp: replica.ip, groupName: replica.groupName, date: dayBefore(1), size: 2048 });
    work = await mkdtemp(join(tmpdir(), 'archiver-input-'));
    root = await mkdtemp(join(tmpdir(), 'archiver-input-dest-'));
  });

  afterAll(async () => {
    await sim?.close();
    for (const output of outputs) expect(leakedSecrets(output.stdout + output.stderr, sim.issuedLinks)).toEqual([]);
  });

  it('refuses an unknown LOG_LEVEL, naming the variable, the value and the levels', async () => {
    sim.resetRequests();
    const result = await run(['archive', '--config', await configFile('log-level.yaml', validYaml())], { LOG_LEVEL: 'verbose' });
    await expectRefused(result);
    expect(firstLine(result)).toBe('LOG_LEVEL: got "verbose"; allowed: fatal, error, warn, info, debug, trace, silent');
    expect(result.stdout).toBe('');
  });

  it('refuses an unknown LOG_FORMAT instead of reading it as JSON', async () => {
    sim.resetRequests();
    const result = await run(['archive', '--config', await configFile('log-format.yaml', validYaml())], { LOG_FORMAT: 'text' });
    await expectRefused(result);
    expect(firstLine(result)).toMatch(/^LOG_FORMAT: got "text"; allowed: json, pretty/);
  });

  it('refuses a time-zone abbreviation, saying which region names it may mean', async () => {
    sim.resetRequests();
    const result = await run(['archive', '--config', await configFile('cst.yaml', validYaml('schedule:\n  timezone: CST\n'))]);
    await expectRefused(result);
    expect(firstLine(result)).toBe(
      'config schedule.timezone: got "CST"; allowed: an IANA region name such as Asia/Shanghai, America/Chicago or Europe/Berlin, or UTC (CST names no region; did you mean Asia/Shanghai (China) or America/Chicago (US Central)?)',
    );
  });

  it('gives the allowed range for a value of the wrong type, with one prefix', async () => {
    sim.resetRequests();
    const result = await run(['archive', '--config', await configFile('eight.yaml', validYaml('archive:\n  concurrency: eight\n'))]);
    await expectRefused(result);
    expect(firstLine(result)).toBe('config archive.concurrency: got "eight"; allowed: an integer from 1 to 256');
  });

  it('shows a YAML error at line:column with the line and a caret, and no dangling colon', async () => {
    sim.resetRequests();
    const path = await configFile('broken.yaml', `${validYaml()}archive:\n  concurrency: [\n`);
    const result = await run(['archive', '--config', path]);
    await expectRefused(result);
    const message = String(result.lines[0]?.msg).split('\n');
    expect(message[0]).toMatch(/broken\.yaml:\d+:\d+ is not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a \]$/);
    expect(message.slice(1)).toEqual([expect.stringMatching(/^ {2}\d+ \| {3}concurrency: \[$/), expect.stringMatching(/^ {2} +\| +\^$/)]);
  });

  it('reports a section that is not a mapping as written, next to the other problems, not as a key set from the environment', async () => {
    sim.resetRequests();
    const path = await configFile('dcs-list.yaml', `dcs: []\ninstances: [inst-0]\narchive:\n  concurrency: 0\ndestination:\n  url: file://${root}/\n`);
    const result = await run(['archive', '--config', path], { HUAWEICLOUD_SDK_PROJECT_ID: TEST_PROJECT_ID });
    await expectRefused(result);
    expect(firstLine(result)).toMatch(/^config dcs: got \[\]; allowed: a mapping with keys region, endpoint, projectId/);
    expect(String(result.lines[0]?.msg)).toContain('config archive.concurrency: got 0; allowed: an integer from 1 to 256');
    expect(String(result.lines[0]?.msg)).not.toContain('dcs.projectId');
  });

  it('creates a missing destination directory (mode 0750) when its parent exists, and archives into it', async () => {
    sim.resetRequests();
    const parent = await mkdtemp(join(tmpdir(), 'archiver-input-parent-'));
    const fresh = join(parent, 'archive');
    const path = await configFile('fresh-dir.yaml', validYaml().replace(`file://${root}/`, `file://${fresh}/`));
    const result = await run(['archive', '--config', path]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect((await stat(fresh)).mode & 0o777).toBe(0o750);
    expect((await readdir(fresh)).sort()).toEqual(expect.arrayContaining(['inst-0', 'manifests', 'records', 'runs']));
  });

  it('stops with exit 1 when neither the destination directory nor its parent exists, naming the path and what to do', async () => {
    sim.resetRequests();
    const base = await mkdtemp(join(tmpdir(), 'archiver-input-noparent-'));
    const missing = join(base, 'mnt', 'archive');
    const path = await configFile('no-parent.yaml', validYaml().replace(`file://${root}/`, `file://${missing}/`));
    const result = await run(['archive', '--config', path]);
    expect(result.code, result.stdout + result.stderr).toBe(1);
    const finished = result.lines.at(-1);
    expect(finished).toMatchObject({ msg: 'pass finished', result: 'failed', reason: 'store.enoent' });
    expect(String(finished?.error)).toContain(`neither ${missing} nor its parent ${join(base, 'mnt')} exists`);
    expect(String(finished?.error)).toContain('create it (or its parent), mount the volume, or correct destination.url');
    expect(sim.requests.filter((r) => r.op === 'download')).toEqual([]);
    expect(await readdir(base)).toEqual([]);
  });
});
