import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { COMMANDS, main, parseCommandLine } from '../../../src/cli.js';
import { FLAG_SPECS } from '../../../src/commands/flags.js';

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  // No env and no config: every case here must end before any configuration is read.
  const code = await main(argv, { env: {}, cwd: '/nonexistent', stdout, stderr });
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

describe('per-command help', () => {
  it.each(COMMANDS.map((c) => c.name))('`help %s` and `COMMAND --help` print the same page: its own flags, their meanings, an example', async (name) => {
    const command = COMMANDS.find((c) => c.name === name)!;
    const viaHelp = await cli(['help', name]);
    const viaFlag = await cli([name, '--help']);
    expect(viaHelp.code).toBe(0);
    expect(viaFlag).toEqual(viaHelp);
    for (const flag of command.flags) {
      expect(viaHelp.stdout).toContain(`--${flag}`);
      expect(viaHelp.stdout).toContain(FLAG_SPECS[flag].help);
    }
    const foreign = Object.keys(FLAG_SPECS).filter((flag) => !(command.flags as string[]).includes(flag));
    for (const flag of foreign) expect(viaHelp.stdout).not.toMatch(new RegExp(`--${flag}\\b`));
    expect(viaHelp.stdout).toContain(`Examples:\n  dcs-log-archiver ${name}`);
  });

  it('`help` alone and `--help` print the overview naming every command', async () => {
    const overview = await cli(['--help']);
    expect(await cli(['help'])).toEqual(overview);
    for (const command of COMMANDS) expect(overview.stdout).toContain(`dcs-log-archiver ${command.name}`);
    expect(overview.stdout).toContain('help COMMAND');
  });

  it('`help` of an unknown command is a usage error naming the commands', async () => {
    const { code, stderr } = await cli(['help', 'archiv']);
    expect(code).toBe(2);
    expect(stderr).toContain('no help for "archiv"');
    expect(stderr).toContain('archive, schedule');
  });
});

describe('usage errors name what the command takes', () => {
  it("refuses another command's flag and lists the command's own", async () => {
    const { code, stdout, stderr } = await cli(['verify', '--dry-run']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^verify does not take --dry-run\n/);
    expect(stderr).toContain('verify takes: --config FILE, --set KEY=VALUE, --instance ID, --deep, --fix, --older-than MIN');
  });

  it('says which flag lacks its value', async () => {
    const { code, stderr } = await cli(['archive', '--shard']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^--shard I\/N: the value is missing\narchive takes: /);
  });

  it('refuses a value given to a switch', async () => {
    const { code, stderr } = await cli(['verify', '--deep=yes']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^--deep takes no value\nverify takes: /);
  });

  it('refuses a stray word after a command that takes none', async () => {
    const { code, stderr } = await cli(['archive', 'now']);
    expect(code).toBe(2);
    expect(stderr).toContain('archive takes no arguments, got "now"');
  });

  it('refuses an unknown command, and a flag before any command', async () => {
    expect((await cli(['archve'])).stderr).toContain('unknown command "archve": the commands are archive');
    const early = await cli(['--dry-run', 'archive']);
    expect(early.code).toBe(2);
    expect(early.stderr).toContain('--dry-run before a command');
  });

  it('says so when no command is given', async () => {
    const { code, stderr } = await cli([]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^no command given\n/);
  });
});

describe("search's one-letter flags, as grep spells them", () => {
  const flagsOf = (argv: string[]) => {
    const parsed = parseCommandLine(argv);
    if (parsed.kind !== 'run') throw new Error(`not a run: ${JSON.stringify(parsed)}`);
    return { flags: parsed.flags, args: parsed.args };
  };

  it('reads -F, -i and -c, apart or together, as --fixed-strings, --ignore-case and --count', () => {
    const long = flagsOf(['search', '--fixed-strings', '--ignore-case', '--count', 'a.b']);
    expect(long).toEqual({ flags: { 'fixed-strings': true, 'ignore-case': true, count: true }, args: ['a.b'] });
    expect(flagsOf(['search', '-F', '-i', '-c', 'a.b'])).toEqual(long);
    expect(flagsOf(['search', '-Fic', 'a.b'])).toEqual(long);
    expect(flagsOf(['search', 'a.b', '-i'])).toEqual({ flags: { 'ignore-case': true }, args: ['a.b'] });
  });

  it('refuses a one-letter flag the command does not take, spelled as it was given', async () => {
    const { code, stderr } = await cli(['logs', '-c']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^logs does not take -c\nlogs takes: /);
  });

  it('shows the one-letter form beside the long one on the help page, the long forms lined up', async () => {
    const { stdout } = await cli(['help', 'search']);
    expect(stdout).toContain('  -F, --fixed-strings  ');
    expect(stdout).toContain('  -i, --ignore-case    ');
    expect(stdout).toContain('  -c, --count          ');
    expect(stdout).toContain('      --json           ');
  });
});
