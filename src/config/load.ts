import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { LineCounter, parse as parseYaml, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { configSchema, type Config } from './schema.js';

/**
 * The file read when neither `--config` nor `ARCHIVER_CONFIG` names one, in the working
 * directory. The package's own config/default.yaml only documents the defaults (which the schema
 * holds): reading it for a user would archive to its example bucket.
 */
export const CONFIG_FILE_NAME = 'dcs-log-archiver.yaml';

/**
 * Environment variables that set configuration keys (secrets are not here: they never enter
 * the configuration and are read by the wiring only). Precedence: defaults < file < env < flags.
 */
export const ENV_KEYS: Record<string, { path: string; type: 'string' | 'number' | 'boolean' }> = {
  HUAWEICLOUD_SDK_PROJECT_ID: { path: 'dcs.projectId', type: 'string' },
  ARCHIVER_DCS_REGION: { path: 'dcs.region', type: 'string' },
  ARCHIVER_DCS_ENDPOINT: { path: 'dcs.endpoint', type: 'string' },
  ARCHIVER_DESTINATION_URL: { path: 'destination.url', type: 'string' },
  ARCHIVER_DESTINATION_ENDPOINT: { path: 'destination.endpoint', type: 'string' },
  ARCHIVER_CONCURRENCY: { path: 'archive.concurrency', type: 'number' },
  ARCHIVER_SCHEDULE_CRON: { path: 'schedule.cron', type: 'string' },
  ARCHIVER_SCHEDULE_TIMEZONE: { path: 'schedule.timezone', type: 'string' },
};

export interface LoadConfigOptions {
  /** `--config`; else `ARCHIVER_CONFIG`; else `./dcs-log-archiver.yaml`; else a ConfigError naming the three. */
  configPath?: string;
  env: Record<string, string | undefined>;
  cwd: string;
  /** `--set key.path=value` flags, applied last. Values are read as YAML scalars. */
  overrides?: string[];
}

export interface LoadedConfig {
  config: Config;
  /** The file that was read, as given (relative paths stay relative: no machine paths in logs). */
  source: string;
}

/** Reads, merges and validates the configuration once. Throws ConfigError before any network call. */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const { source, origin } = await findConfigFile(options);
  const text = await readConfigFile(isAbsolute(source) ? source : resolve(options.cwd, source), source, origin);
  const fromFile = parseConfigText(text, source);
  const { merged, origins, problems } = applyOverrides(fromFile, envOverrides(options.env), flagOverrides(options.overrides ?? []));
  return { config: validateConfig(merged, { origins, problems }), source };
}

const LOOKUP = `--config FILE, the ARCHIVER_CONFIG variable, or ./${CONFIG_FILE_NAME} in the working directory`;

/** Which file to read, and what named it (for the message when it cannot be read). */
async function findConfigFile(options: LoadConfigOptions): Promise<{ source: string; origin: string }> {
  if (options.configPath !== undefined) return { source: options.configPath, origin: '--config' };
  // Empty counts as unset, as for the variables that set keys.
  const fromEnv = options.env.ARCHIVER_CONFIG;
  if (fromEnv !== undefined && fromEnv !== '') return { source: fromEnv, origin: 'ARCHIVER_CONFIG' };
  const local = resolve(options.cwd, CONFIG_FILE_NAME);
  const found = await stat(local).then(
    (s) => s.isFile(),
    () => false,
  );
  if (found) return { source: CONFIG_FILE_NAME, origin: 'the working directory' };
  throw new ConfigError('', `no configuration file: pass ${LOOKUP} (\`dcs-log-archiver init\` writes a starter ${CONFIG_FILE_NAME}; config/default.yaml in the package documents every key)`);
}

async function readConfigFile(path: string, shown: string, origin: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'it does not exist' : code === 'EISDIR' ? 'it is a directory' : code ?? String(error);
    throw new ConfigError('', `cannot read config file ${shown} (from ${origin}): ${why}; the configuration comes from ${LOOKUP}`);
  }
}

/** Every YAML error of the file, each with line:column and the line itself, a caret under the spot. */
export function parseConfigText(text: string, source = 'config'): Record<string, unknown> {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  if (document.errors.length > 0) {
    const lines = text.split(/\r?\n/);
    const problems = document.errors.map((error) => {
      const { line, col } = yamlPosition(lines, lineCounter.linePos(error.pos[0]));
      return `${source}:${line}:${col} is not valid YAML: ${error.message}\n${excerpt(lines, line, col)}`;
    });
    throw new ConfigError('', problems.join('\n'));
  }
  const parsed: unknown = document.toJS();
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError('', `${source} must be a YAML mapping of sections (dcs, instances, collect, archive, destination, schedule)`);
  }
  return parsed as Record<string, unknown>;
}

/** An error at the end of the text (an unclosed bracket) is shown at the end of the last line that has text. */
function yamlPosition(lines: string[], at: { line: number; col: number }): { line: number; col: number } {
  let { line, col } = at;
  while (line > 1 && (lines[line - 1] ?? '').trim() === '' && col === 1) {
    line -= 1;
    col = (lines[line - 1] ?? '').length + 1;
  }
  return { line, col };
}

function excerpt(lines: string[], line: number, col: number): string {
  const gutter = String(line);
  return `  ${gutter} | ${lines[line - 1] ?? ''}\n  ${' '.repeat(gutter.length)} | ${' '.repeat(Math.max(0, col - 1))}^`;
}

type Override = { path: string; value: unknown; origin: string };

function envOverrides(env: Record<string, string | undefined>): Override[] {
  const out: Override[] = [];
  for (const [name, { path, type }] of Object.entries(ENV_KEYS)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    // A value that is not of the type stays a string: the schema refuses it, naming the variable.
    let value: unknown = raw;
    if (type === 'number' && raw.trim() !== '' && Number.isFinite(Number(raw))) value = Number(raw);
    else if (type === 'boolean' && (raw === 'true' || raw === 'false')) value = raw === 'true';
    out.push({ path, value, origin: name });
  }
  return out;
}

function flagOverrides(flags: string[]): Array<Override | { problem: string }> {
  return flags.map((flag) => {
    const eq = flag.indexOf('=');
    if (eq <= 0) return { problem: `--set ${JSON.stringify(flag)}: expected key.path=value, e.g. --set archive.concurrency=4` };
    const path = flag.slice(0, eq);
    const raw = flag.slice(eq + 1);
    let value: unknown;
    try {
      value = parseYaml(raw);
    } catch {
      value = raw;
    }
    return { path, value: value ?? null, origin: `--set ${path}` };
  });
}

interface Merged {
  merged: Record<string, unknown>;
  /** Key path → the variable or flag that set it, for the messages. */
  origins: Map<string, string>;
  problems: string[];
}

function applyOverrides(base: Record<string, unknown>, env: Override[], flags: Array<Override | { problem: string }>): Merged {
  const merged = structuredClone(base);
  const origins = new Map<string, string>();
  const problems: string[] = [];
  for (const override of [...env, ...flags]) {
    if ('problem' in override) {
      problems.push(override.problem);
      continue;
    }
    const blocked = setPath(merged, override.path, override.value);
    if (blocked === undefined) origins.set(override.path, override.origin);
    // A variable cannot set a key inside a section that is not a mapping; the schema reports that
    // section as the user wrote it. A flag names its key, so it is told why it was not applied.
    else if (!(override.origin in ENV_KEYS)) problems.push(`${override.origin}: cannot set inside ${blocked}, which is not a mapping`);
  }
  return { merged, origins, problems };
}

/** Sets a key path, making mappings on the way; returns the path that is in the way, if any. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): string | undefined {
  const parts = path.split('.');
  let node: Record<string, unknown> = target;
  for (const [index, part] of parts.slice(0, -1).entries()) {
    const next = node[part];
    if (next === undefined || next === null) node[part] = {};
    else if (typeof next !== 'object' || Array.isArray(next)) return parts.slice(0, index + 1).join('.');
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
  return undefined;
}

export interface ValidateOptions {
  /** Key path → the environment variable or flag that set it. */
  origins?: ReadonlyMap<string, string>;
  /** Problems found while merging (a malformed --set), reported with the schema's. */
  problems?: readonly string[];
}

/** The schema, refinements included, once; every problem is reported together. */
export function validateConfig(input: Record<string, unknown>, options: ValidateOptions = {}): Config {
  const result = configSchema.safeParse(input, { reportInput: true, error: defaultAllowed });
  const problems = [...(options.problems ?? []).map((problem) => ({ path: '', text: problem }))];
  if (!result.success) {
    for (const issue of result.error.issues) {
      const path = formatPath(issue.path);
      const text = describeIssue(issue, options.origins);
      problems.push({ path, text: path ? text : `config: ${text}` });
    }
  }
  if (problems.length === 0 && result.success) return result.data;
  const [first, ...rest] = problems;
  const line = (p: { path: string; text: string }) => (p.path ? `config ${p.path}: ${p.text}` : p.text);
  // ConfigError puts "config PATH: " before the first problem; the others carry their own.
  throw new ConfigError(first!.path, [first!.text, ...rest.map(line)].join('\n  '));
}

type Issue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;

/** What a schema allows, worded from the issue's own data when the schema did not say. */
function defaultAllowed(issue: RawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return TYPE_WORDS[String(issue.expected)] ?? `a value of type ${String(issue.expected)}`;
    case 'invalid_value':
      return issue.values.map((v) => JSON.stringify(v)).join(' | ');
    case 'too_small':
      if (issue.origin === 'string') return issue.minimum === 1 ? 'a non-empty string' : `a string of at least ${issue.minimum} characters`;
      if (issue.origin === 'array') return `a list of at least ${issue.minimum} entries`;
      return `at least ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'string') return `a string of at most ${issue.maximum} characters`;
      if (issue.origin === 'array') return `a list of at most ${issue.maximum} entries`;
      return `at most ${issue.maximum}`;
    case 'invalid_format':
      return issue.format === 'url' ? 'a URL' : `a string in the format ${issue.format}`;
    case 'unrecognized_keys':
      return 'no other keys';
    case 'invalid_key':
      // The key's own schema said what it allows.
      return issue.issues.map((inner) => inner.message).join('; ') || 'valid keys';
    default:
      return undefined;
  }
}

const TYPE_WORDS: Record<string, string> = {
  boolean: 'true or false',
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  object: 'a mapping',
  array: 'a list',
  null: 'null',
};

/** One problem: "got VALUE; allowed: ...", the message of every issue being what is allowed. */
function describeIssue(issue: Issue, origins: ReadonlyMap<string, string> | undefined): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}; allowed: ${issue.message}`;
  }
  if (issue.input === undefined) return `is required; allowed: ${issue.message}`;
  const origin = origins?.get(formatPath(issue.path));
  return `got ${shown(issue.input)}${origin ? ` from ${origin}` : ''}; allowed: ${issue.message}`;
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** `archive.concurrency`, `instances[1].id`; a key that is not a plain name is quoted: `discover.tags[""]`. */
export function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>((out, part) => {
    if (typeof part === 'number') return `${out}[${part}]`;
    const name = String(part);
    if (!/^[A-Za-z_][\w-]*$/.test(name)) return `${out}[${JSON.stringify(name)}]`;
    return out ? `${out}.${name}` : name;
  }, '');
}
