/**
 * Which instances a command works on is told apart from "nothing to do": no instances at all, or
 * an --instance that names none, is a usage error (exit 2) before any network call, and an
 * instance may be named by its configured name.
 */
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DcsSimulator } from '../../sim/index.js';
import { runCli, simEnv } from '../support/cli.js';
import { dayBefore } from '../support/days.js';
import { TEST_AK, TEST_PROJECT_ID, TEST_SK } from '../support/secrets.js';

describe('choosing instances', () => {
  let sim: DcsSimulator;
  let root: string;
  const configWith = async (extra: Record<string, unknown>) => {
    const path = join(await mkdtemp(join(tmpdir(), 'archiver-select-')), 'config.yaml');
    await writeFile(path, JSON.stringify({ dcs: { endpoint: sim.endpoint, projectId: TEST_PROJECT_ID, allowHttp: true }, collect: { enabled: false }, destination: { url: `file://${root}/` }, ...extra }));
    return path;
  };

  beforeAll(async () => {
    sim = await DcsSimulator.start({ credentials: { ak: TEST_AK, sk: TEST_SK } });
    for (const [id, name] of [['sel-a', 'orders-cache'], ['sel-b', 'sessions-cache']] as const) {
      const instance = sim.addInstance(TEST_PROJECT_ID, { id, name, cacheMode: 'single' });
      sim.addLog(TEST_PROJECT_ID, id, { replicationIp: instance.replicas[0]!.ip, groupName: instance.replicas[0]!.groupName, date: dayBefore(1), size: 100 });
    }
  });
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'archiver-select-dest-'));
    sim.resetRequests();
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('refuses a configuration with no instances and discovery off: exit 2, naming the keys, nothing sent or written', async () => {
    const result = await runCli(['archive', '--config', await configWith({ instances: [] })], simEnv());
    expect(result.code, result.stdout).toBe(2);
    expect(result.lines[0]).toMatchObject({ level: 'error', key: 'instances' });
    expect(String(result.lines[0]!.msg)).toBe('config instances: got none, and discover.enabled is false; allowed: instance ids (or {id, name}) under instances, or discover.enabled: true');
    expect(sim.requests).toEqual([]);
    expect(await readdir(root)).toEqual([]);
  });

  it.each(['archive', 'coverage'])('refuses an --instance that names no instance in %s: exit 2 before any request, naming what is allowed', async (command) => {
    const config = await configWith({ instances: [{ id: 'sel-a', name: 'orders-cache' }, 'sel-b'] });
    const result = await runCli([command, '--config', config, '--instance', 'sel-x'], simEnv());
    expect(result.code, result.stdout).toBe(2);
    expect(result.lines[0]).toMatchObject({ level: 'error', key: '--instance' });
    expect(String(result.lines[0]!.msg)).toContain('--instance: "sel-x" names no configured or discovered instance; allowed: an id or a name of 2 instance(s), e.g. sel-a (orders-cache), sel-b');
    expect(sim.requests).toEqual([]);
    expect(await readdir(root)).toEqual([]);
  });

  it('takes an instance by its configured name', async () => {
    const config = await configWith({ instances: [{ id: 'sel-a', name: 'orders-cache' }, 'sel-b'] });
    const result = await runCli(['archive', '--config', config, '--instance', 'orders-cache'], simEnv());
    expect(result.code, result.stdout).toBe(0);
    expect(result.lines.filter((l) => l.msg === 'archived').map((l) => l.instance)).toEqual(['sel-a']);
    const coverage = await runCli(['coverage', '--config', config, '--instance', 'orders-cache', '--json'], simEnv());
    expect(JSON.parse(coverage.stdout.slice(coverage.stdout.indexOf('{\n'))).instances.map((i: { id: string }) => i.id)).toEqual(['sel-a']);
  });
});
