import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Terminal } from '../terminal.js';
import type { FlagName, Flags } from './flags.js';

export type { FlagName, Flags };

export interface CliIo {
  env: Record<string, string | undefined>;
  cwd: string;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Signals that stop the work: graceful first, forceful second. */
  signals?: NodeJS.EventEmitter;
}

export interface CommandContext {
  flags: Flags;
  /** The words after the command name that are not flags (`search PATTERN`), already counted against `args`. */
  args: string[];
  io: CliIo;
  logger: Logger;
  /** Whether log lines are human-readable (a terminal, or LOG_FORMAT=pretty). */
  pretty: boolean;
  /** The writer of stderr's live status line, which the logger's lines already go through. */
  terminal: Terminal;
  /** Loads and validates the configuration (ConfigError on any problem). */
  loadConfig(): Promise<Config>;
}

/** A word the command takes after its name, e.g. `search PATTERN`. */
export interface CommandArg {
  name: string;
  required: boolean;
  help: string;
}

export interface Command {
  name: string;
  summary: string;
  flags: FlagName[];
  args?: CommandArg[];
  /** Shown by `help COMMAND`: at least one command line a user can copy. */
  examples: string[];
  /** Its own exit codes, when they are not the pass's (search follows grep). */
  exitCodes?: string;
  /** Whether stdout carries the command's output for these flags, so logs go to stderr (default: `--json`). */
  writesData?(flags: Flags): boolean;
  run(ctx: CommandContext): Promise<number>;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
