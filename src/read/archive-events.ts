/**
 * The `events` command's reading: the selected files' events as a timeline in selection order,
 * or added up per instance, replica and kind. Objects are read in parallel under the one limit
 * `search` uses (`concurrency`); the timeline keeps the selection order with bounded buffering
 * (ordered-output.ts), so memory is concurrency × (a read chunk + one slot's buffer).
 */
import type { RedisEvent } from '../redis-log/events.js';
import { EventTally } from '../redis-log/tally.js';
import type { BucketStore } from '../store/store.js';
import { readContent, type ContentOutcome } from './content.js';
import { countEvents, type EventSummary } from './event-summary.js';
import { eventJson, eventLine, readEvents, type EventFilter } from './event-timeline.js';
import { OrderedOutput, type Sink } from './ordered-output.js';
import type { ArchivedFile, Selected } from './select.js';
import { TaskPool } from '../task-pool.js';
import { hasLineBounds } from './window.js';

export interface ArchiveEventsOptions {
  store: BucketStore;
  selected: AsyncIterable<Selected>;
  filter: EventFilter;
  concurrency: number;
  /** The timeline as JSON lines (the summary's form is the caller's). */
  json: boolean;
  /** Add up into this instead of printing a timeline. */
  summary?: EventSummary;
  out: Sink;
  /** A selection problem, or a file whose object is missing or does not match its record. */
  onProblem: (problem: EventsProblem) => void;
  signal?: AbortSignal;
}

export type EventsProblem = { kind: 'unreadable'; instanceId: string; detail: string } | { kind: 'content'; outcome: Exclude<ContentOutcome, { kind: 'verified' }>; streamed: boolean };

/** Reads every selected file; resolves with how many could not be read or did not verify. */
export async function readArchiveEvents(options: ArchiveEventsOptions): Promise<{ failed: number }> {
  const { store, filter, summary, signal: outer } = options;
  let failed = 0;
  const output = new OrderedOutput(options.out);
  const halt = new AbortController();
  const signal = outer ? AbortSignal.any([outer, halt.signal]) : halt.signal;
  // A failure that is no file's verdict (the store, the stream) stops the reading, as it did one file at a time.
  const pool = new TaskPool(options.concurrency, () => halt.abort());
  const judge = (outcome: ContentOutcome, streamed: boolean) => {
    if (outcome.kind === 'verified') return;
    failed++;
    options.onProblem({ kind: 'content', outcome, streamed });
  };

  for await (const item of options.selected) {
    if (signal.aborted) break;
    if (item.kind === 'problem') {
      failed++;
      options.onProblem({ kind: 'unreadable', instanceId: item.instanceId, detail: item.detail });
      continue;
    }
    const file = item.file;
    if (summary) {
      // The record's counts, when it has them and no time of day narrows them: nothing to read.
      if (file.record.events && !hasLineBounds(filter.window)) summary.add(file, file.record.events);
      else await pool.add(async () => judge(await summarise(store, file, filter, summary, signal), false));
      continue;
    }
    const slot = output.slot();
    const format = options.json ? eventJson : eventLine;
    await pool.add(async () => {
      try {
        judge(await readEvents(store, file, filter, (events) => slot.write(events.map((event) => format(file, event)).join('')), signal), true);
      } finally {
        await slot.end();
      }
    });
  }
  await pool.drain();
  return { failed };
}

/**
 * A file whose counts the record cannot give: one written before events were counted (the
 * archive-time tally over its object), or a window with a time of day (its events inside it).
 */
async function summarise(store: BucketStore, file: ArchivedFile, filter: EventFilter, summary: EventSummary, signal: AbortSignal): Promise<ContentOutcome> {
  if (hasLineBounds(filter.window)) {
    const events: RedisEvent[] = [];
    const outcome = await readEvents(store, file, filter, (batch) => void events.push(...batch), signal);
    if (outcome.kind === 'verified') summary.add(file, countEvents(events));
    return outcome;
  }
  const tally = new EventTally(Number(file.record.date.slice(0, 4)));
  const outcome = await readContent(store, file.record, (chunk) => tally.push(chunk), signal);
  if (outcome.kind === 'verified') summary.add(file, tally.counts());
  return outcome;
}
