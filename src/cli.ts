#!/usr/bin/env -S node --max-semi-space-size=4
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { archiveCommand } from './commands/archive.js';
import { coverageCommand } from './commands/coverage.js';
import { initCommand } from './commands/init.js';
import { scheduleCommand } from './commands/schedule.js';
import { verifyCommand } from './commands/verify.js';
import { logsCommand } from './commands/logs.js';
import { reportCommand } from './commands/report.js';
import { eventsCommand } from './commands/events.js';
import { searchCommand } from './commands/search.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo, type Command, type Flags } from './commands/command.js';
import { FLAG_SPECS, flagSynopsis } from './commands/flags.js';
import { commandHelp, globalHelp, validFlags } from './commands/help.js';
import { loadConfig } from './config/load.js';
import { ConfigError, errorMessage } from './errors.js';
import { createLogger, createScrubber, logSettings } from './log.js';
import { secretsFromEnv } from './commands/clients.js';
import { packageVersion } from './commands/version.js';
import { createTerminal } from './terminal.js';

export { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo };

export const COMMANDS: Command[] = [archiveCommand, scheduleCommand, coverageCommand, verifyCommand, logsCommand, searchCommand, eventsCommand, reportCommand, initCommand];

/** The command line, parsed for one command: its flags and words, or what is wrong with it. */
export type Parsed =
  | { kind: 'run'; command: Command; flags: Flags; args: string[] }
  | { kind: 'print'; text: string }
  | { kind: 'usage'; message: string; help: string };

export function parseCommandLine(argv: string[]): Parsed {
  const [name, ...rest] = argv;
  if (name === undefined) return { kind: 'usage', message: 'no command given', help: globalHelp(COMMANDS) };
  if (name === '--help' || name === '-h') return { kind: 'print', text: globalHelp(COMMANDS) };
  if (name === '--version' || name === '-v') return { kind: 'print', text: `${packageVersion()}\n` };
  if (name === 'help') {
    if (rest.length === 0) return { kind: 'print', text: globalHelp(COMMANDS) };
    const topic = COMMANDS.find((c) => c.name === rest[0]);
    if (!topic || rest.length > 1) return { kind: 'usage', message: `no help for ${JSON.stringify(rest.join(' '))}: the commands are ${COMMANDS.map((c) => c.name).join(', ')}`, help: '' };
    return { kind: 'print', text: commandHelp(topic) };
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    const what = name.startsWith('-') ? `${name} before a command` : `unknown command ${JSON.stringify(name)}`;
    return { kind: 'usage', message: `${what}: the commands are ${COMMANDS.map((c) => c.name).join(', ')}`, help: globalHelp(COMMANDS) };
  }
  const options = Object.fromEntries(
    command.flags.map((flag) => {
      const { type, multiple, short } = FLAG_SPECS[flag];
      return [flag, { type, multiple: multiple ?? false, ...(short ? { short } : {}) }];
    }),
  );
  // Not strict: an unknown flag or a missing value is found from the parsed fields below, so the
  // message can name the command's own flags.
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, strict: false, options: { ...options, help: { type: 'boolean', short: 'h' } } });
  const unknown = Object.keys(values).filter((flag) => flag !== 'help' && !(command.flags as string[]).includes(flag));
  const valueless = command.flags.filter((flag) => FLAG_SPECS[flag].type === 'string' && values[flag] !== undefined && [values[flag]].flat().some((v) => typeof v !== 'string'));
  const valued = command.flags.filter((flag) => FLAG_SPECS[flag].type === 'boolean' && values[flag] !== undefined && typeof values[flag] !== 'boolean');
  const problem =
    unknown.length > 0
      ? `${command.name} does not take ${unknown.map((f) => (f.length === 1 ? `-${f}` : `--${f}`)).join(', ')}`
      : valueless.length > 0
        ? `${valueless.map(flagSynopsis).join(', ')}: the value is missing`
        : valued.length > 0
          ? `${valued.map((f) => `--${f}`).join(', ')} takes no value`
          : undefined;
  if (problem) return { kind: 'usage', message: `${problem}\n${validFlags(command)}`, help: commandHelp(command) };
  if (values.help) return { kind: 'print', text: commandHelp(command) };
  const words = command.args ?? [];
  const required = words.filter((word) => word.required).length;
  if (positionals.length < required || positionals.length > words.length) {
    const expected = words.length === 0 ? 'no arguments' : words.map((w) => (w.required ? w.name : `[${w.name}]`)).join(' ');
    return { kind: 'usage', message: `${command.name} takes ${expected}, got ${JSON.stringify(positionals.join(' '))}`, help: commandHelp(command) };
  }
  const { help: _help, ...flags } = values;
  return { kind: 'run', command, flags: flags as Flags, args: positionals };
}

/** Parses argv, runs one command, returns the exit code. Only the CLI reads env and argv. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandLine(argv);
  if (parsed.kind === 'print') {
    io.stdout.write(parsed.text);
    return EXIT_OK;
  }
  if (parsed.kind === 'usage') {
    io.stderr.write(`${parsed.message}\n${parsed.help ? `\n${parsed.help}` : ''}`);
    return EXIT_USAGE;
  }
  const { command, flags, args } = parsed;
  // Where stdout carries a document or data (`--json`, the archive's own bytes), it carries
  // that alone: log lines go to stderr.
  const logTo = (command.writesData?.(flags) ?? flags.json === true) ? io.stderr : io.stdout;

  let settings;
  try {
    settings = logSettings(io.env, logTo.isTTY === true);
  } catch (error) {
    // No logger yet: the settings for it are what is wrong.
    io.stderr.write(`${errorMessage(error)}\n`);
    return EXIT_USAGE;
  }
  const { pretty } = settings;
  // One writer owns the terminal's last line: the live status of a pass, drawn on stderr, and every log line around it.
  const terminal = createTerminal(io.stderr, { live: pretty && io.stderr.isTTY === true });
  const logger = await createLogger({ level: settings.level, pretty, secrets: secretsFromEnv(io.env), destination: logTo, terminal });
  try {
    return await command.run({
      flags,
      args,
      io,
      logger,
      pretty,
      terminal,
      loadConfig: async () => (await loadConfig({ configPath: flags.config, env: io.env, cwd: io.cwd, overrides: flags.set ?? [] })).config,
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      logger.error({ key: error.path || undefined }, error.message);
      return EXIT_USAGE;
    }
    throw error;
  }
}

function isEntryPoint(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2), { env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr, signals: process })
    .then((code) => {
      process.exitCode = code;
    })
    .catch((error: unknown) => {
      // Only a bug reaches here; its message is scrubbed like any log line.
      console.error(createScrubber(secretsFromEnv(process.env))(`unexpected failure: ${errorMessage(error)}`));
      process.exitCode = EXIT_FAILED;
    });
}
