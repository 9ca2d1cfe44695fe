#!/usr/bin/env node
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { archiveCommand } from './commands/archive.js';
import { coverageCommand } from './commands/coverage.js';
import { scheduleCommand } from './commands/schedule.js';
import { verifyCommand } from './commands/verify.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo, type Command, type Flags } from './commands/command.js';
import { loadConfig } from './config/load.js';
import { ConfigError, errorMessage } from './errors.js';
import { createLogger, createScrubber, logSettings } from './log.js';
import { secretsFromEnv } from './commands/clients.js';

export { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo };

export const COMMANDS: Command[] = [archiveCommand, scheduleCommand, coverageCommand, verifyCommand];

const FLAG_HELP: Record<keyof Flags, string> = {
  config: '--config FILE       configuration file (else $ARCHIVER_CONFIG, else config/default.yaml)',
  'dry-run': '--dry-run           plan and print what would be done; write and trigger nothing',
  instance: '--instance ID       only this instance (repeatable)',
  set: '--set KEY=VALUE     override one configuration key, e.g. --set archive.concurrency=4 (repeatable)',
  deep: '--deep              re-read every object and compare its SHA-256 with the record',
  fix: '--fix               repair what can be repaired (default: report only)',
  json: '--json              print JSON instead of a picture',
  'run-now': '--run-now           run a pass at start, then on the schedule',
  shard: '--shard I/N         only the I-th of N stable partitions of the instances (0-based)',
  'older-than': '--older-than MIN    verify: a pending upload older than this is orphaned (default 60; 0: every one)',
};

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const used = [...new Set(COMMANDS.flatMap((c) => c.flags))];
  return `dcs-log-archiver: keep Huawei Cloud DCS (Redis) run logs in your own bucket.

Usage:
${COMMANDS.map((c) => `  dcs-log-archiver ${c.name.padEnd(width)}  ${c.summary}  [${c.flags.map((f) => `--${f}`).join(' ')}]`).join('\n')}
  dcs-log-archiver --help | --version

Options:
${used.map((flag) => `  ${FLAG_HELP[flag]}`).join('\n')}

Environment:
  HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK [, HUAWEICLOUD_SDK_SECURITY_TOKEN]  or  DCS_AUTH_TOKEN
  HUAWEICLOUD_SDK_PROJECT_ID, AWS_* (the AWS SDK's default chain for the bucket)
  LOG_LEVEL (info; fatal error warn info debug trace silent), LOG_FORMAT (json | pretty; pretty by default on a terminal)

Exit codes: 0 everything planned was done (or nothing to do); 1 some file or instance
failed (the rest was done); 2 configuration or usage error, before any network call.
`;
}

/** Parses argv, runs one command, returns the exit code. Only the CLI reads env and argv. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        'dry-run': { type: 'boolean' },
        instance: { type: 'string', multiple: true },
        set: { type: 'string', multiple: true },
        deep: { type: 'boolean' },
        fix: { type: 'boolean' },
        json: { type: 'boolean' },
        'run-now': { type: 'boolean' },
        shard: { type: 'string' },
        'older-than': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    io.stderr.write(`${errorMessage(error)}\n\n${help()}`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(help());
    return EXIT_OK;
  }
  if (values.version) {
    io.stdout.write(`${version()}\n`);
    return EXIT_OK;
  }
  const [name, ...rest] = positionals;
  const command = COMMANDS.find((c) => c.name === name);
  if (!command || rest.length > 0) {
    io.stderr.write(`${name === undefined ? 'no command given' : `unknown command ${JSON.stringify(positionals.join(' '))}`}\n\n${help()}`);
    return EXIT_USAGE;
  }
  const { help: _help, version: _version, ...flags } = values;
  const foreign = Object.keys(flags).filter((flag) => !(command.flags as string[]).includes(flag));
  if (foreign.length > 0) {
    io.stderr.write(`${command.name} does not take ${foreign.map((f) => `--${f}`).join(', ')}\n\n${help()}`);
    return EXIT_USAGE;
  }

  let settings;
  try {
    settings = logSettings(io.env, io.stdout.isTTY === true);
  } catch (error) {
    // No logger yet: the settings for it are what is wrong.
    io.stderr.write(`${errorMessage(error)}\n`);
    return EXIT_USAGE;
  }
  const { pretty } = settings;
  const logger = await createLogger({ level: settings.level, pretty, secrets: secretsFromEnv(io.env), destination: io.stdout });
  try {
    return await command.run({
      flags,
      io,
      logger,
      pretty,
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

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
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
