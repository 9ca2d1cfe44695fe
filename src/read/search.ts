/**
 * grep across the archive: every selected object read back verified (content.ts), cut into
 * lines, matched, and printed in selection order. Objects are read in parallel under one limit
 * (`concurrency`); output keeps the selection order with bounded buffering (ordered-output.ts),
 * so memory is concurrency × (a read chunk + one slot's buffer), however many files.
 */
import { errorMessage, failureKind } from '../errors.js';
import type { BucketStore } from '../store/store.js';
import { TaskPool } from '../task-pool.js';
import { readContent } from './content.js';
import { countLine, errorJson, fileLabel, matchJson, matchPrefix, mismatchMessage } from './format.js';
import { LineSplitter } from './lines.js';
import type { LineMatcher } from './match.js';
import { OrderedOutput, type Sink, type Slot } from './ordered-output.js';
import type { ArchivedFile, Selected } from './select.js';
import { MatchScanner, type OnMatch } from './scan.js';
import { hasLineBounds, lineWindow, type Window } from './window.js';

export interface SearchOptions {
  store: BucketStore;
  selected: AsyncIterable<Selected>;
  matcher: LineMatcher;
  window: Window;
  concurrency: number;
  json: boolean;
  count: boolean;
  out: Sink;
  /** A file that could not be searched (stderr). */
  onError: (message: string, fields: { key?: string; instanceId?: string }) => void;
  signal?: AbortSignal;
}

export interface SearchSummary {
  files: number;
  matches: number;
  /** Files not searched, or whose content did not verify. */
  errors: number;
  /** Source bytes read. */
  bytes: number;
}

export async function searchArchive(options: SearchOptions): Promise<SearchSummary> {
  const summary: SearchSummary = { files: 0, matches: 0, errors: 0, bytes: 0 };
  const output = new OrderedOutput(options.out);
  const halt = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, halt.signal]) : halt.signal;
  // Only a fatal store error (credentials, missing bucket) reaches the pool: it stops the search.
  const pool = new TaskPool(options.concurrency, () => halt.abort());

  for await (const item of options.selected) {
    if (signal.aborted) break;
    const slot = output.slot();
    if (item.kind === 'problem') {
      summary.errors++;
      options.onError(`not searched: ${item.detail}`, { instanceId: item.instanceId });
      if (options.json) await slot.write(errorJson(`unreadable record: ${item.detail}`, item.detail.split(':')[0] ?? ''));
      await slot.end();
      continue;
    }
    summary.files++;
    await pool.add(() => searchFile(item.file, slot, options, summary, signal));
  }
  await pool.drain();
  return summary;
}

async function searchFile(file: ArchivedFile, slot: Slot, options: SearchOptions, summary: SearchSummary, signal: AbortSignal): Promise<void> {
  const { record } = file;
  const label = fileLabel(file);
  let out: string[] = [];
  let count = 0;
  const onMatch = (line: string, number: number) => {
    count++;
    if (options.count) return;
    out.push(options.json ? matchJson(file, number, line) : `${matchPrefix(label, number)}${line}\n`);
  };
  const lines = linesOf(options, record.date, onMatch);
  const flush = async () => {
    if (out.length === 0) return;
    const data = out.join('');
    out = [];
    await slot.write(data);
  };
  try {
    const outcome = await readContent(
      options.store,
      record,
      async (chunk) => {
        lines.push(chunk);
        await flush();
      },
      signal,
    );
    lines.end();
    summary.matches += count;
    if (outcome.kind === 'verified') {
      summary.bytes += outcome.digest.bytes;
      await flush();
      if (options.count) await slot.write(countLine(file, count, options.json));
      return;
    }
    summary.errors++;
    const message =
      outcome.kind === 'missing'
        ? `object missing: ${record.key}, named by its record; not searched`
        : `${mismatchMessage(record.key, record.sha256, outcome.digest.sha256, outcome.digest.corrupt)}; ${options.count ? 'its count' : `the ${count} match(es) printed from it`} came from the altered object`;
    await flush();
    if (options.count) await slot.write(countLine(file, count, options.json));
    options.onError(message, { key: record.key, instanceId: record.instanceId });
    if (options.json) await slot.write(errorJson(message, record.key));
  } catch (error) {
    // Stopped (a signal, stdout closed, a fatal error elsewhere): not this file's failure.
    if (signal.aborted && failureKind(error) !== 'fatal') return;
    summary.errors++;
    options.onError(`could not search ${record.key}: ${errorMessage(error)}`, { key: record.key, instanceId: record.instanceId });
    if (options.json) await slot.write(errorJson(errorMessage(error), record.key)).catch(() => {});
    if (failureKind(error) === 'fatal') throw error;
  } finally {
    await slot.end();
  }
}

/**
 * The matching lines of one file: block by block when the pattern allows and no time window
 * needs every line's clock, else line by line.
 */
function linesOf(options: SearchOptions, date: string, onMatch: OnMatch): { push(chunk: Buffer): void; end(): void } {
  const { matcher, window } = options;
  if (!hasLineBounds(window) && matcher.block) return new MatchScanner({ ...matcher, block: matcher.block }, onMatch);
  const inWindow = lineWindow(window, date);
  return new LineSplitter((line, number) => {
    if (!inWindow(line)) return;
    const text = line.toString('utf8');
    if (matcher.test(text)) onMatch(text, number);
  });
}
