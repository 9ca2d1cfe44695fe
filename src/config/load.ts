import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { validateDetailed } from 'node-cron';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { configSchema, KEY_PLACEHOLDERS, type Config } from './schema.js';

export const DEFAULT_CONFIG_PATH = 'config/default.yaml';

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
  /** `--config`; else `ARCHIVER_CONFIG`; else config/default.yaml. */
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
  const source = options.configPath ?? options.env.ARCHIVER_CONFIG ?? DEFAULT_CONFIG_PATH;
  const text = await readConfigFile(isAbsolute(source) ? source : resolve(options.cwd, source), source);
  const fromFile = parseConfigText(text, source);
  const merged = applyOverrides(fromFile, envOverrides(options.env), options.overrides ?? []);
  return { config: validateConfig(merged), source };
}

async function readConfigFile(path: string, shown: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError('', `cannot read config file ${shown}: ${code === 'ENOENT' ? 'it does not exist' : code ?? String(error)}; pass --config FILE or set ARCHIVER_CONFIG`);
  }
}

export function parseConfigText(text: string, source = 'config'): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    const detail = error instanceof YAMLParseError ? error.message.split('\n')[0] : String(error);
    throw new ConfigError('', `${source} is not valid YAML: ${detail}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError('', `${source} must be a YAML mapping of sections (dcs, instances, collect, archive, destination, schedule)`);
  }
  return parsed as Record<string, unknown>;
}

function envOverrides(env: Record<string, string | undefined>): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const [name, { path, type }] of Object.entries(ENV_KEYS)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    if (type === 'number') {
      const value = Number(raw);
      if (!Number.isFinite(value)) throw new ConfigError(path, `got ${JSON.stringify(raw)} from ${name}; allowed: a number`);
      out.push([path, value]);
    } else if (type === 'boolean') {
      if (raw !== 'true' && raw !== 'false') throw new ConfigError(path, `got ${JSON.stringify(raw)} from ${name}; allowed: true or false`);
      out.push([path, raw === 'true']);
    } else {
      out.push([path, raw]);
    }
  }
  return out;
}

function flagOverrides(flags: string[]): Array<[string, unknown]> {
  return flags.map((flag) => {
    const eq = flag.indexOf('=');
    if (eq <= 0) throw new ConfigError('', `--set ${JSON.stringify(flag)}: expected key.path=value, e.g. --set archive.concurrency=4`);
    const path = flag.slice(0, eq);
    const raw = flag.slice(eq + 1);
    let value: unknown;
    try {
      value = parseYaml(raw);
    } catch {
      value = raw;
    }
    return [path, value ?? null];
  });
}

function applyOverrides(base: Record<string, unknown>, env: Array<[string, unknown]>, flags: string[]): Record<string, unknown> {
  const result = structuredClone(base);
  for (const [path, value] of [...env, ...flagOverrides(flags)]) setPath(result, path, value);
  return result;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node: Record<string, unknown> = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (next === undefined || next === null) node[part] = {};
    else if (typeof next !== 'object' || Array.isArray(next)) throw new ConfigError(path, `cannot set inside ${part}, which is not a mapping`);
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
}

/** Schema, then the checks a schema cannot express. All problems are reported together. */
export function validateConfig(input: Record<string, unknown>): Config {
  const result = configSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => describeIssue(issue, input));
    throw new ConfigError(formatPath(result.error.issues[0]?.path ?? []), lines.join('\n  '));
  }
  const problems = semanticProblems(result.data);
  if (problems.length > 0) {
    const [first] = problems;
    throw new ConfigError(first?.path ?? '', problems.map((p, i) => (i === 0 ? p.problem : `config ${p.path}: ${p.problem}`)).join('\n  '));
  }
  return result.data;
}

type Issue = z.core.$ZodIssue;

function describeIssue(issue: Issue, input: unknown): string {
  const path = formatPath(issue.path);
  const value = valueAt(input, issue.path);
  const got = value === undefined ? 'nothing' : JSON.stringify(value);
  const prefix = path ? `config ${path}: ` : 'config: ';
  switch (issue.code) {
    case 'unrecognized_keys':
      return `${prefix}unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}; allowed: ${allowedKeys(issue.path).join(', ')}`;
    case 'invalid_value':
      return `${prefix}got ${got}; allowed: ${issue.values.map((v) => JSON.stringify(v)).join(' | ')}`;
    case 'too_small':
    case 'too_big': {
      const bounds = numberBounds(issue.path);
      return `${prefix}got ${got}; allowed: ${bounds ?? issue.message}`;
    }
    case 'invalid_type':
      if (value === undefined) return `${prefix}is required; allowed: ${issue.expected}`;
      return `${prefix}got ${got}; allowed: ${issue.expected === 'object' ? 'a mapping' : issue.expected}`;
    case 'invalid_union':
      return `${prefix}got ${got}; allowed: an instance id string, or {id, name}`;
    default:
      return `${prefix}got ${got}; allowed: ${issue.message}`;
  }
}

/** The range of a numeric key, read from the schema itself so messages never drift from it. */
function numberBounds(path: PropertyKey[]): string | undefined {
  const node = schemaAt(path) as { minValue?: number | null; maxValue?: number | null; isInt?: boolean } | undefined;
  if (!node || node.minValue == null || node.maxValue == null) return undefined;
  return `${node.isInt ? 'an integer' : 'a number'} from ${node.minValue} to ${node.maxValue}`;
}

interface SchemaNode {
  _zod: { def: { innerType?: SchemaNode } };
  shape?: Record<string, SchemaNode>;
}

/** Walks the schema along a key path, through defaults and optionals. */
function schemaAt(path: PropertyKey[]): SchemaNode | undefined {
  const unwrap = (node: SchemaNode | undefined) => {
    while (node?._zod.def.innerType) node = node._zod.def.innerType;
    return node;
  };
  let node = unwrap(configSchema as unknown as SchemaNode);
  for (const part of path) node = unwrap(node?.shape?.[String(part)]);
  return node;
}

function allowedKeys(path: PropertyKey[]): string[] {
  let node: unknown = validDefaults();
  for (const part of path) node = (node as Record<PropertyKey, unknown> | undefined)?.[part];
  return node && typeof node === 'object' ? Object.keys(node) : [];
}

let defaultsCache: Config | undefined;
function validDefaults(): Config {
  defaultsCache ??= configSchema.parse({ destination: { url: 'file:///defaults/' } });
  return defaultsCache;
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let node = input;
  for (const part of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[part];
  }
  return node;
}

export function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)), '');
}

interface Problem {
  path: string;
  problem: string;
}

function semanticProblems(config: Config): Problem[] {
  const problems: Problem[] = [];
  const add = (path: string, value: unknown, allowed: string) => problems.push({ path, problem: `got ${JSON.stringify(value)}; allowed: ${allowed}` });

  if (config.dcs.endpoint?.startsWith('http://') && !config.dcs.allowHttp) {
    add('dcs.endpoint', config.dcs.endpoint, 'an https:// URL (set dcs.allowHttp: true only for a local simulator)');
  }

  const placeholders = [...config.archive.keyTemplate.matchAll(/\{([^}]*)\}/g)].map((m) => m[1] ?? '');
  const unknown = placeholders.filter((p) => !(KEY_PLACEHOLDERS as readonly string[]).includes(p));
  if (unknown.length > 0) {
    add('archive.keyTemplate', config.archive.keyTemplate, `placeholders among ${KEY_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`);
  } else if (!placeholders.includes('instanceId') || !(placeholders.includes('fileName') || (placeholders.includes('date') && placeholders.includes('replicationIp')))) {
    add('archive.keyTemplate', config.archive.keyTemplate, 'a template with {instanceId} and {fileName} (or {date} and {replicationIp}), so every file gets its own key');
  }

  const destination = parseDestinationUrl(config.destination.url);
  if (typeof destination === 'string') add('destination.url', config.destination.url, destination);

  if (!isTimeZone(config.schedule.timezone)) {
    add('schedule.timezone', config.schedule.timezone, 'an IANA time zone such as UTC, Europe/Berlin or Asia/Shanghai');
  }
  const cron = validateDetailed(config.schedule.cron);
  if (!cron.valid) {
    const why = cron.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    add('schedule.cron', config.schedule.cron, `a cron expression of 5 or 6 fields, e.g. "17 3 * * *" (${why})`);
  }

  const seen = new Set<string>();
  config.instances.forEach((instance, index) => {
    if (seen.has(instance.id)) add(`instances[${index}].id`, instance.id, 'each instance once');
    seen.add(instance.id);
  });
  const projects = new Set(config.dcs.projectId ? [config.dcs.projectId] : []);
  config.projects.forEach((project, p) => {
    if (projects.has(project.projectId)) add(`projects[${p}].projectId`, project.projectId, 'each project once (dcs.projectId included)');
    projects.add(project.projectId);
    if (project.endpoint?.startsWith('http://') && !config.dcs.allowHttp) add(`projects[${p}].endpoint`, project.endpoint, 'an https:// URL (dcs.allowHttp: true only for a local simulator)');
    project.instances.forEach((instance, index) => {
      if (seen.has(instance.id)) add(`projects[${p}].instances[${index}].id`, instance.id, 'each instance once, in one project');
      seen.add(instance.id);
    });
  });
  return problems;
}

export type Destination =
  | { kind: 's3'; bucket: string; prefix: string }
  | { kind: 'file'; root: string };

/** `s3://bucket/prefix/` or `file:///abs/path/`; a string explains what is wrong. */
export function parseDestinationUrl(url: string): Destination | string {
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (s3) {
    const bucket = s3[1] ?? '';
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) return 's3://BUCKET/prefix/ with a valid bucket name (3-63 lower-case letters, digits, dots, hyphens)';
    const prefix = normalisePrefix(s3[2] ?? '');
    if (prefix === undefined) return 'a prefix without "..", "//" or control characters';
    return { kind: 's3', bucket, prefix };
  }
  if (url.startsWith('file://')) {
    const path = decodeURIComponent(url.slice('file://'.length));
    if (!path.startsWith('/')) return 'file:///absolute/path/ (three slashes)';
    if (path.split('/').includes('..')) return 'a path without ".."';
    return { kind: 'file', root: path };
  }
  return 's3://bucket/prefix/ or file:///path/';
}

function normalisePrefix(prefix: string): string | undefined {
  if (prefix === '') return '';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(prefix) || prefix.split('/').includes('..') || prefix.includes('//')) return undefined;
  return prefix.endsWith('/') ? prefix : `${prefix}/`;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
