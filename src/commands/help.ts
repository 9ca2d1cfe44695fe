import type { Command } from './command.js';
import { FLAG_SPECS, flagForms, flagSynopsis, type FlagName } from './flags.js';

const BIN = 'dcs-log-archiver';

const ENVIRONMENT = `Environment:
  HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK [, HUAWEICLOUD_SDK_SECURITY_TOKEN]  or  DCS_AUTH_TOKEN
  HUAWEICLOUD_SDK_PROJECT_ID, AWS_* (the AWS SDK's default chain for the bucket)
  ARCHIVER_CONFIG (the configuration file when --config is not given)
  LOG_LEVEL (info; fatal error warn info debug trace silent), LOG_FORMAT (json | pretty; pretty by default on a terminal)`;

const EXIT_CODES = `Exit codes: 0 everything planned was done (or nothing to do); 1 some file or instance
failed (the rest was done); 2 configuration or usage error, before any network call;
143 / 130 stopped by SIGTERM / SIGINT before finishing.`;

/** `search PATTERN` / `report [RUN_ID]`: the command with its words. */
function synopsis(command: Command): string {
  const args = (command.args ?? []).map((arg) => (arg.required ? arg.name : `[${arg.name}]`));
  return [command.name, ...args].join(' ');
}

/** The overview: one line per command, with the flags it takes in brackets. */
export function globalHelp(commands: Command[]): string {
  const lines = commands.map((c) => [synopsis(c), c.summary, c.flags.map((f) => `--${f}`).join(' ')] as const);
  const width = Math.max(...lines.map(([head]) => head.length));
  return `${BIN}: keep Huawei Cloud DCS (Redis) run logs in your own bucket.

Usage:
${lines.map(([head, summary, flags]) => `  ${BIN} ${head.padEnd(width)}  ${summary}  [${flags}]`).join('\n')}
  ${BIN} help COMMAND | COMMAND --help   that command's flags and an example
  ${BIN} --help | --version

${ENVIRONMENT}

${EXIT_CODES}
`;
}

function table(rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`).join('\n');
}

/** One command: what it does, its words and flags with their meanings, and examples. */
export function commandHelp(command: Command): string {
  const args = command.args ?? [];
  // Where some flag has a one-letter form, the long forms line up after the `-X, ` column.
  const indent = command.flags.some((name) => FLAG_SPECS[name].short) ? '    ' : '';
  const flagRows = command.flags.map((name): [string, string] => [FLAG_SPECS[name].short ? flagForms(name) : `${indent}${flagSynopsis(name)}`, FLAG_SPECS[name].help]);
  const sections = [
    `${BIN} ${synopsis(command)}${command.flags.length > 0 ? ' [flags]' : ''}\n  ${command.summary}`,
    ...(args.length > 0 ? [`Arguments:\n${table(args.map((arg): [string, string] => [arg.name, arg.help]))}`] : []),
    ...(flagRows.length > 0 ? [`Flags:\n${table(flagRows)}`] : []),
    `Examples:\n${command.examples.map((example) => `  ${BIN} ${example}`).join('\n')}`,
    command.exitCodes ?? EXIT_CODES,
  ];
  return `${sections.join('\n\n')}\n`;
}

/** The usage error's last line: the command's own flags, so the fix is in the message. */
export function validFlags(command: Command): string {
  const flags: FlagName[] = command.flags;
  return flags.length > 0 ? `${command.name} takes: ${flags.map(flagSynopsis).join(', ')}` : `${command.name} takes no flags`;
}
