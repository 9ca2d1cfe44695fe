import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DcsSimulator } from '../../sim/index.js';
import { leakedSecrets, runCli, simEnv, type CliResult } from '../support/cli.js';
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
    sim.addInstance(TEST_PROJECT_ID, { id: 'inst-0', name: 'cache-0', cacheMode: 'single' });
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
});
