import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';

export interface CliIo {
  env: Record<string, string | undefined>;
  cwd: string;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Signals that stop the work: graceful first, forceful second. */
  signals?: NodeJS.EventEmitter;
}

/** The parsed flags every command may read; each command says which it accepts. */
export interface Flags {
  config?: string;
  'dry-run'?: boolean;
  instance?: string[];
  set?: string[];
  deep?: boolean;
  fix?: boolean;
  json?: boolean;
  'run-now'?: boolean;
  shard?: string;
  'older-than'?: string;
}

export interface CommandContext {
  flags: Flags;
  io: CliIo;
  logger: Logger;
  /** Whether log lines are human-readable (a terminal, or LOG_FORMAT=pretty). */
  pretty: boolean;
  /** Loads and validates the configuration (ConfigError on any problem). */
  loadConfig(): Promise<Config>;
}

export interface Command {
  name: string;
  summary: string;
  flags: Array<keyof Flags>;
  run(ctx: CommandContext): Promise<number>;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
