/**
 * The Redis server events worth finding in a run log, and which log line is which. Each event
 * is one line that Redis prints exactly once per occurrence, in every major from 2.8 to 7.x
 * (wording differences are listed side by side), so counting lines counts events:
 *
 * | kind | the line (message start, any level) |
 * |---|---|
 * | `role-change` | `MASTER MODE enabled`, `REPLICAOF h:p enabled` (5+) / `SLAVE OF h:p enabled` (≤4), a cluster replica's `Failover election won`, a cluster master's `Configuration change detected. Reconfiguring myself as a replica`, a sentinel's `+switch-master` |
 * | `replica-sync-started` | `MASTER <-> REPLICA sync started` (5+) / `MASTER <-> SLAVE sync started` (≤4) |
 * | `replica-sync-succeeded` | `MASTER <-> REPLICA sync: Finished with success` (full) / `Successful partial resynchronization with master` |
 * | `replica-sync-failed` | `Error condition on socket for SYNC`, `Timeout connecting to the MASTER`, `Unable to connect to MASTER`, `MASTER timeout: no data nor PING received`, `Master aborted replication`, … |
 * | `rdb-save-started` / `-finished` / `-failed` | `Background saving started by pid` / `Background saving terminated with success` / `Background saving error`, `… terminated by signal`, `Can't save in background` |
 * | `aof-rewrite-started` / `-finished` / `-failed` | `Background append only file rewriting started by pid` / `Background AOF rewrite finished successfully` / `… terminated with error`, `… terminated by signal`, `Can't rewrite append only file in background`, `Error trying to rename the temporary AOF` |
 * | `startup` | `oO0OoO0OoO0Oo Redis is starting` (4+) / `Server started, Redis version` (≤3) |
 * | `shutdown` | `Redis is now ready to exit, bye bye` (a clean stop, whatever asked for it) |
 * | `config-rewrite` | `CONFIG REWRITE executed with success` |
 * | `memory-warning` | a warning (`#`) naming maxmemory, OOM, Out Of Memory, `Cannot allocate memory`, or a client closed for its output buffer limits |
 * | `latency-warning` | a warning `Asynchronous AOF fsync is taking too long`, or the watchdog's `--- WATCHDOG TIMER EXPIRED ---` (a blocked main thread, e.g. `DEBUG SLEEP` past `watchdog-period`) |
 * | `crash` | a warning `crashed by signal` or `=== ASSERTION FAILED ===` |
 *
 * Left out on purpose: `Connecting to MASTER` (repeated on every retry, not a role change; each
 * retry is a `replica-sync-started`), a master's side of a replica's sync (the replica's log
 * tells it), the replication-id and `Fork CoW` lines (they accompany the events above, counting
 * them would count one event twice), child-process lines (`DB saved on disk`, `Failed opening
 * the temp RDB file`: the parent reports the outcome), and start-up advice that every start
 * prints (THP, overcommit, TCP backlog). Redis 7's latency monitor and slow log log nothing.
 */
import { parseLogLine, type RedisLogLine, type RedisRole } from './line.js';

export const EVENT_KINDS = [
  'role-change',
  'replica-sync-started',
  'replica-sync-succeeded',
  'replica-sync-failed',
  'rdb-save-started',
  'rdb-save-finished',
  'rdb-save-failed',
  'aof-rewrite-started',
  'aof-rewrite-finished',
  'aof-rewrite-failed',
  'memory-warning',
  'latency-warning',
  'startup',
  'shutdown',
  'config-rewrite',
  'crash',
] as const;

export type RedisEventKind = (typeof EVENT_KINDS)[number];

export interface RedisEvent {
  kind: RedisEventKind;
  timeMs: number;
  pid: number;
  role?: RedisRole;
  message: string;
}

/** A message start; `then` narrows it where the start alone is shared with a non-event line. */
interface StartRule {
  prefix: string;
  kind: RedisEventKind;
  then?: RegExp;
}

const STARTS: StartRule[] = [
  { prefix: 'MASTER MODE enabled', kind: 'role-change' },
  // "REPLICAOF would result into synchronization with the master we are already connected with" is no change.
  { prefix: 'REPLICAOF ', kind: 'role-change', then: /^REPLICAOF \S+ enabled/ },
  { prefix: 'SLAVE OF ', kind: 'role-change', then: /^SLAVE OF \S+ enabled/ },
  { prefix: 'Failover election won', kind: 'role-change' },
  { prefix: 'Configuration change detected. Reconfiguring myself as a replica', kind: 'role-change' },
  { prefix: '+switch-master', kind: 'role-change' },
  { prefix: 'MASTER <-> REPLICA sync started', kind: 'replica-sync-started' },
  { prefix: 'MASTER <-> SLAVE sync started', kind: 'replica-sync-started' },
  { prefix: 'MASTER <-> REPLICA sync: Finished with success', kind: 'replica-sync-succeeded' },
  { prefix: 'MASTER <-> SLAVE sync: Finished with success', kind: 'replica-sync-succeeded' },
  { prefix: 'Successful partial resynchronization with master', kind: 'replica-sync-succeeded' },
  { prefix: 'Error condition on socket for SYNC', kind: 'replica-sync-failed' },
  { prefix: 'Timeout connecting to the MASTER', kind: 'replica-sync-failed' },
  { prefix: 'Unable to connect to MASTER', kind: 'replica-sync-failed' },
  { prefix: 'MASTER timeout: no data nor PING received', kind: 'replica-sync-failed' },
  { prefix: 'Master aborted replication', kind: 'replica-sync-failed' },
  { prefix: 'Failed trying to load the MASTER synchronization DB', kind: 'replica-sync-failed' },
  { prefix: 'I/O error trying to sync with MASTER', kind: 'replica-sync-failed' },
  { prefix: 'Timeout receiving bulk data from MASTER', kind: 'replica-sync-failed' },
  { prefix: 'Master did not respond to command during SYNC handshake', kind: 'replica-sync-failed' },
  { prefix: 'Error reply to PING from master', kind: 'replica-sync-failed' },
  { prefix: 'Unexpected reply to PSYNC from master', kind: 'replica-sync-failed' },
  { prefix: 'Background saving started by pid', kind: 'rdb-save-started' },
  { prefix: 'Background saving terminated with success', kind: 'rdb-save-finished' },
  { prefix: 'Background saving error', kind: 'rdb-save-failed' },
  { prefix: 'Background saving terminated by signal', kind: 'rdb-save-failed' },
  { prefix: "Can't save in background", kind: 'rdb-save-failed' },
  { prefix: 'Background append only file rewriting started by pid', kind: 'aof-rewrite-started' },
  { prefix: 'Background AOF rewrite finished successfully', kind: 'aof-rewrite-finished' },
  { prefix: 'Background AOF rewrite terminated with error', kind: 'aof-rewrite-failed' },
  { prefix: 'Background AOF rewrite terminated by signal', kind: 'aof-rewrite-failed' },
  { prefix: "Can't rewrite append only file in background", kind: 'aof-rewrite-failed' },
  { prefix: 'Error trying to rename the temporary AOF', kind: 'aof-rewrite-failed' },
  { prefix: 'oO0OoO0OoO0Oo Redis is starting', kind: 'startup' },
  { prefix: 'Server started, Redis version', kind: 'startup' },
  { prefix: 'Redis is now ready to exit, bye bye', kind: 'shutdown' },
  { prefix: 'CONFIG REWRITE executed with success', kind: 'config-rewrite' },
  { prefix: '--- WATCHDOG TIMER EXPIRED ---', kind: 'latency-warning' },
];

/**
 * Warnings (`#`) told by a phrase anywhere in them; a matching start above wins over these.
 * `marks`: two characters of each phrase, rare in other warnings, which a byte scanner looks for
 * before it runs the expressions (checked below: every phrase holds one).
 */
const WARNINGS: Array<{ kind: RedisEventKind; phrase: RegExp; marks: string[] }> = [
  { kind: 'crash', phrase: /crashed by signal|=== ASSERTION FAILED ===/, marks: ['by', '=='] },
  { kind: 'latency-warning', phrase: /Asynchronous AOF fsync is taking too long/, marks: ['As'] },
  { kind: 'memory-warning', phrase: /maxmemory|\bOOM\b|Out Of Memory|Cannot allocate memory|overcoming of output buffer limits/, marks: ['xm', 'OO', 'Of', 'Ca', 'rc'] },
];

/** Two ASCII codes as one number: the index of the starts table. */
function pairKey(first: number, second: number): number {
  return (first << 8) | second;
}

interface ByteRule extends StartRule {
  bytes: Buffer;
}

/**
 * The starts by their first two bytes: PAIR_BUCKET holds one plus the index of their bucket in
 * START_BUCKETS (0: no start begins so). A typed array, since a scanner asks it for every line.
 */
const PAIR_BUCKET = new Uint8Array(1 << 16);
const START_BUCKETS: ByteRule[][] = [];
for (const rule of STARTS) {
  const key = pairKey(rule.prefix.charCodeAt(0), rule.prefix.charCodeAt(1));
  if (PAIR_BUCKET[key] === 0) PAIR_BUCKET[key] = START_BUCKETS.push([]);
  // Every prefix is ASCII: its bytes start a UTF-8 message exactly when its text starts the decoded one.
  START_BUCKETS[PAIR_BUCKET[key]! - 1]!.push({ ...rule, bytes: Buffer.from(rule.prefix, 'latin1') });
}

/** Every mark of a warning phrase as a pair key (see `pairKey`). */
const WARNING_MARKS = new Uint8Array(1 << 16);
for (const { phrase, marks } of WARNINGS) {
  for (const literal of phrase.source.replaceAll('\\b', '').split('|')) {
    // A phrase without a mark would be skipped by the scan: refuse the table rather than miss it.
    if (!marks.some((mark) => literal.includes(mark))) throw new Error(`warning phrase "${literal}" holds none of its marks`);
  }
  for (const mark of marks) WARNING_MARKS[pairKey(mark.charCodeAt(0), mark.charCodeAt(1))] = 1;
}

/**
 * Whether a message beginning with these two bytes can be an event when it is not a warning: a
 * byte scanner may skip a non-warning line that fails this without reading it further, since
 * `classifyLine` gives such a line no kind.
 */
export function mayStartEvent(first: number, second: number): boolean {
  return first < 256 && second < 256 && PAIR_BUCKET[pairKey(first, second)] !== 0;
}

/** The kind of event a parsed line reports, if it reports one. */
export function classifyLine(line: RedisLogLine): RedisEventKind | undefined {
  return classifyMessage(line.level, line.message);
}

/** `classifyLine` for a line known only by its level and message (a scanner that has not parsed the rest). */
export function classifyMessage(level: string, message: string): RedisEventKind | undefined {
  if (message.length >= 2 && mayStartEvent(message.charCodeAt(0), message.charCodeAt(1))) {
    for (const rule of START_BUCKETS[PAIR_BUCKET[pairKey(message.charCodeAt(0), message.charCodeAt(1))]! - 1]!) {
      if (message.startsWith(rule.prefix) && (!rule.then || rule.then.test(message))) return rule.kind;
    }
  }
  return level === '#' ? classifyWarning(message) : undefined;
}

/** The kind a warning's message reports by a phrase in it, if any (after its start gave none). */
function classifyWarning(message: string): RedisEventKind | undefined {
  for (const warning of WARNINGS) if (warning.phrase.test(message)) return warning.kind;
  return undefined;
}

/**
 * The kind the start of the message [start, end) of `buf` (UTF-8) reports, if any: the first
 * part of `classifyMessage`, read in place. Decodes the message only for a start that needs its
 * `then` test, which most lines never reach.
 */
export function startKindBytes(buf: Buffer, start: number, end: number): RedisEventKind | undefined {
  if (end - start < 2) return undefined;
  const bucket = PAIR_BUCKET[pairKey(buf[start]!, buf[start + 1]!)]!;
  if (bucket === 0) return undefined;
  for (const rule of START_BUCKETS[bucket - 1]!) {
    if (!startsWithBytes(buf, start, end, rule.bytes)) continue;
    if (!rule.then || rule.then.test(buf.toString('utf8', start, end))) return rule.kind;
  }
  return undefined;
}

/**
 * `classifyMessage` for a message still in bytes: [start, end) of `buf`, UTF-8. A warning's
 * phrases are matched in its bytes, which gives each the answer the UTF-8 text gives: the
 * phrases are ASCII, a UTF-8 decoder turns ASCII bytes (and only those) into ASCII characters,
 * and every other character is no word character to `\b`.
 */
export function classifyMessageBytes(levelCode: number, buf: Buffer, start: number, end: number): RedisEventKind | undefined {
  const kind = startKindBytes(buf, start, end);
  if (kind !== undefined || levelCode !== 0x23 /* # */) return kind;
  return warningKindBytes(buf, start, end);
}

/** The kind the phrases of a warning's message [start, end) report, once its start reported none. */
export function warningKindBytes(buf: Buffer, start: number, end: number): RedisEventKind | undefined {
  // Most warnings hold no mark: they are told without a string or an expression.
  for (let at = start; at + 1 < end; at++) {
    if (WARNING_MARKS[pairKey(buf[at]!, buf[at + 1]!)] === 1) return warningInPlace(buf, start, end);
  }
  return undefined;
}

/**
 * WARNINGS in bytes: the same phrases as ASCII literals (`word` where the pattern has `\b` on
 * both sides), listed by their first byte, each with the rank of its warning. Warnings are common
 * in busy logs (the simulator's text: 87 MiB of them per GiB), and a string made for each kept
 * V8's young generation growing through a long transfer.
 */
interface WarningPhrase {
  bytes: Buffer;
  word: boolean;
  rank: number;
}
const PHRASES_BY_FIRST_BYTE: Array<WarningPhrase[] | undefined> = new Array(256);
WARNINGS.forEach(({ phrase }, rank) => {
  for (const alternative of phrase.source.split('|')) {
    const word = alternative.startsWith('\\b') && alternative.endsWith('\\b');
    const literal = word ? alternative.slice(2, -2) : alternative;
    if (/[\\^$.*+?()[\]{}]/.test(literal)) throw new Error(`a warning phrase must be a literal: ${alternative}`);
    const bytes = Buffer.from(literal, 'latin1');
    (PHRASES_BY_FIRST_BYTE[bytes[0]!] ??= []).push({ bytes, word, rank });
  }
});

/** The first warning of the list whose phrase [start, end) holds: one pass over the bytes, no string made. */
function warningInPlace(buf: Buffer, start: number, end: number): RedisEventKind | undefined {
  let best = WARNINGS.length;
  for (let at = start; at < end && best > 0; at++) {
    const phrases = PHRASES_BY_FIRST_BYTE[buf[at]!];
    if (phrases === undefined) continue;
    for (const phrase of phrases) if (phrase.rank < best && phraseAt(buf, at, start, end, phrase)) best = phrase.rank;
  }
  return WARNINGS[best]?.kind;
}

/** Whether `phrase` starts at `at` within [start, end) of `buf` (with no word character beside it, for a `word`). */
function phraseAt(buf: Buffer, at: number, start: number, end: number, phrase: WarningPhrase): boolean {
  const needle = phrase.bytes;
  if (at + needle.length > end) return false;
  for (let i = 1; i < needle.length; i++) if (buf[at + i] !== needle[i]) return false;
  if (!phrase.word) return true;
  return !(at > start && isWordByte(buf[at - 1]!)) && !(at + needle.length < end && isWordByte(buf[at + needle.length]!));
}

function isWordByte(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f;
}

/** Whether [start, end) begins with `prefix`, whose first two bytes the caller has matched. */
function startsWithBytes(buf: Buffer, start: number, end: number, prefix: Buffer): boolean {
  const last = prefix.length - 1;
  // The last byte first: a wrong rule of a shared bucket (seven start "Background ") fails there at once.
  if (end - start <= last || buf[start + last] !== prefix[last]) return false;
  for (let i = 2; i < last; i++) if (buf[start + i] !== prefix[i]) return false;
  return true;
}

/** The event a parsed line reports, if any. */
export function eventOf(line: RedisLogLine): RedisEvent | undefined {
  const kind = classifyLine(line);
  if (kind === undefined) return undefined;
  const event: RedisEvent = { kind, timeMs: line.timeMs, pid: line.pid, message: line.message };
  if (line.role) event.role = line.role;
  return event;
}

/**
 * A signal-handler line with an empty message hands its message to the next line: the
 * watchdog writes `pid:signal-handler (t) ` and then `--- WATCHDOG TIMER EXPIRED ---` on a
 * line of its own.
 */
function awaitsContinuation(line: RedisLogLine): boolean {
  return line.signalHandler === true && line.message === '';
}

/**
 * Events from a log read line by line, in order: one reader per file (it keeps the line before,
 * for a message that goes on in the next line). `fallbackYear` is the year of the file's date.
 */
export class LogEventReader {
  private pending: RedisLogLine | undefined;

  constructor(private readonly fallbackYear: number) {}

  /** Whether the next line must be read even if it does not look like a log line. */
  get awaitsNextLine(): boolean {
    return this.pending !== undefined;
  }

  /** One line (without its newline; a trailing `\r` is tolerated); the event it completes, if any. */
  read(text: string): RedisEvent | undefined {
    const previous = this.pending;
    this.pending = undefined;
    const parsed = parseLogLine(text, this.fallbackYear);
    if (previous && !parsed) return eventOf({ ...previous, message: text.endsWith('\r') ? text.slice(0, -1) : text });
    if (!parsed) return undefined;
    if (awaitsContinuation(parsed)) {
      this.pending = parsed;
      return undefined;
    }
    return eventOf(parsed);
  }

  /** A line the caller knows to be no event and no continuation (it read the line itself, see `classifyMessageBytes`). */
  skip(): void {
    this.pending = undefined;
  }
}
