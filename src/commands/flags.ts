/**
 * Every flag the CLI knows, in one catalog: its parseArgs type and its one-line meaning. A
 * command lists the keys it takes; the CLI parses only those, so a flag another command takes
 * is refused with the command's own list.
 */
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
  date?: string;
  since?: string;
  until?: string;
  replica?: string;
  output?: string;
  'fixed-strings'?: boolean;
  'ignore-case'?: boolean;
  count?: boolean;
  force?: boolean;
  kind?: string[];
  summary?: boolean;
}

export type FlagName = keyof Flags;

export interface FlagSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  /** What the value is called in help (`FILE`, `ID`); string flags only. */
  value?: string;
  /** The one-letter form, where a familiar tool has one (search's are grep's). */
  short?: string;
  help: string;
}

export const FLAG_SPECS: Record<FlagName, FlagSpec> = {
  config: { type: 'string', value: 'FILE', help: 'configuration file (else $ARCHIVER_CONFIG, else ./dcs-log-archiver.yaml)' },
  'dry-run': { type: 'boolean', help: 'plan and print what would be done; write and trigger nothing' },
  instance: { type: 'string', multiple: true, value: 'ID', help: 'only this instance, by id or name (repeatable)' },
  set: { type: 'string', multiple: true, value: 'KEY=VALUE', help: 'override one configuration key, e.g. --set archive.concurrency=4 (repeatable)' },
  deep: { type: 'boolean', help: 're-read every object and compare its SHA-256 with the record' },
  fix: { type: 'boolean', help: 'repair what can be repaired (default: report only)' },
  json: { type: 'boolean', help: 'print one JSON document on stdout (logs go to stderr)' },
  'run-now': { type: 'boolean', help: 'run a pass at start, then on the schedule' },
  shard: { type: 'string', value: 'I/N', help: 'only the I-th of N stable partitions of the instances (0-based)' },
  'older-than': { type: 'string', value: 'MIN', help: 'a pending upload older than this is orphaned (default 60; 0: every one)' },
  date: { type: 'string', value: 'D', help: 'only the files of this day, YYYY-MM-DD' },
  since: { type: 'string', value: 'T', help: 'from this day (YYYY-MM-DD) or UTC time (YYYY-MM-DDTHH:MM[:SS]) on; a time keeps only the lines from it' },
  until: { type: 'string', value: 'T', help: 'up to this day (included) or UTC time (excluded); a time keeps only the lines before it' },
  replica: { type: 'string', value: 'IP', help: "only this replica's files (its replication IP)" },
  output: { type: 'string', value: 'DIR', help: 'write each file under DIR at its bucket key (a .gz key without .gz: the source bytes), verified, instead of to stdout' },
  'fixed-strings': { type: 'boolean', short: 'F', help: 'PATTERN is plain text, not a regular expression (grep -F)' },
  'ignore-case': { type: 'boolean', short: 'i', help: 'match upper and lower case alike (grep -i)' },
  count: { type: 'boolean', short: 'c', help: 'print the number of matching lines per file instead of the lines (grep -c)' },
  force: { type: 'boolean', help: 'overwrite the file if it exists (default: leave it and exit 2)' },
  kind: { type: 'string', multiple: true, value: 'K', help: 'only events of this kind, e.g. rdb-save-started (repeatable; `help events` lists them)' },
  summary: { type: 'boolean', help: 'count, first and last time per instance, replica and kind, instead of the timeline' },
};

/** `--instance ID` as help spells it. */
export function flagSynopsis(name: FlagName): string {
  const spec = FLAG_SPECS[name];
  return spec.value ? `--${name} ${spec.value}` : `--${name}`;
}

/** `-F, --fixed-strings` where the flag has a one-letter form, else the long form alone. */
export function flagForms(name: FlagName): string {
  const short = FLAG_SPECS[name].short;
  return short ? `-${short}, ${flagSynopsis(name)}` : flagSynopsis(name);
}
