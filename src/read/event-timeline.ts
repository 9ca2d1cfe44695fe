/**
 * The `events` timeline: a file's Redis events as its verified bytes stream, line by line in
 * file order, and how one event is printed (text, or one JSON object per line).
 */
import { LogEventReader, type RedisEvent, type RedisEventKind } from '../redis-log/events.js';
import type { BucketStore } from '../store/store.js';
import type { ContentOutcome } from './content.js';
import { replicaOf } from './format.js';
import { readLines } from './lines.js';
import type { ArchivedFile } from './select.js';
import type { Window } from './window.js';

export interface EventFilter {
  window: Window;
  /** Only these kinds (all when undefined). */
  kinds?: ReadonlySet<RedisEventKind>;
}

/** Whether an event passes the kinds and the window's times. */
export function eventWanted(filter: EventFilter, event: RedisEvent): boolean {
  if (filter.kinds && !filter.kinds.has(event.kind)) return false;
  if (filter.window.sinceMs !== undefined && event.timeMs < filter.window.sinceMs) return false;
  return filter.window.untilMs === undefined || event.timeMs < filter.window.untilMs;
}

/**
 * Hands on the file's wanted events as its content streams, a batch after each chunk (awaited,
 * so a slow stdout slows the read), then says whether the content matched its record: events of
 * a mismatching object have already been handed on when that is known.
 */
export async function readEvents(
  store: BucketStore,
  file: ArchivedFile,
  filter: EventFilter,
  onEvents: (events: RedisEvent[]) => void | Promise<void>,
  signal?: AbortSignal,
): Promise<ContentOutcome> {
  const reader = new LogEventReader(Number(file.record.date.slice(0, 4)));
  let found: RedisEvent[] = [];
  const onLine = (line: Buffer) => {
    const event = reader.read(line.toString('utf8'));
    if (event && eventWanted(filter, event)) found.push(event);
  };
  const flush = async () => {
    if (found.length === 0) return;
    const events = found;
    found = [];
    await onEvents(events);
  };
  return readLines(store, file.record, onLine, flush, signal);
}

/** `{time ISO} {instance}/{replica} {kind} {message}` */
export function eventLine(file: ArchivedFile, event: RedisEvent): string {
  return `${new Date(event.timeMs).toISOString()} ${file.instanceName ?? file.record.instanceId}/${replicaOf(file)} ${event.kind} ${event.message}\n`;
}

/** One `--json` event, exactly these keys. */
export function eventJson(file: ArchivedFile, event: RedisEvent): string {
  const { record } = file;
  return `${JSON.stringify({ instanceId: record.instanceId, instanceName: file.instanceName ?? null, replicationIp: record.replicationIp, date: record.date, fileName: record.fileName, time: new Date(event.timeMs).toISOString(), kind: event.kind, message: event.message })}\n`;
}
