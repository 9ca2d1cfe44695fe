/**
 * Cuts a stream of chunks into lines as grep does: a line ends at `\n` (kept out of the line),
 * and bytes after the last `\n` are a last line of their own. Lines are handed on as views of the
 * chunk (no copy), except one that straddles chunks, so memory holds at most one chunk and one
 * line. A view is valid as long as the chunk is: a line kept past its chunk is copied by its
 * taker. The splitter itself keeps only copies.
 */
import type { BucketStore } from '../store/store.js';
import { readContent, type ContentOutcome, type ObjectRef } from './content.js';

/** `terminated`: a newline followed the line in the source (false only for a last line without one). */
export type OnLine = (line: Buffer, number: number, terminated: boolean) => void;

export class LineSplitter {
  private carry: Buffer | undefined;
  private count = 0;

  constructor(private readonly onLine: OnLine) {}

  /** Lines seen so far (the partial one not counted until it ends). */
  get lines(): number {
    return this.count;
  }

  push(chunk: Buffer): void {
    let start = 0;
    let end = chunk.indexOf(0x0a, start);
    if (end === -1) {
      // A chunk may be lent (readContent): what outlives this call is a copy.
      this.carry = this.carry ? Buffer.concat([this.carry, chunk]) : Buffer.from(chunk);
      return;
    }
    if (this.carry) {
      const joined = Buffer.concat([this.carry, chunk.subarray(0, end)]);
      this.carry = undefined;
      this.onLine(joined, ++this.count, true);
      start = end + 1;
      end = chunk.indexOf(0x0a, start);
    }
    while (end !== -1) {
      this.onLine(chunk.subarray(start, end), ++this.count, true);
      start = end + 1;
      end = chunk.indexOf(0x0a, start);
    }
    // A view would pin the whole chunk; copy the tail (one line at most).
    if (start < chunk.length) this.carry = Buffer.from(chunk.subarray(start));
  }

  /** The bytes after the last newline, if any, are the last line. */
  end(): void {
    if (this.carry && this.carry.length > 0) this.onLine(this.carry, ++this.count, false);
    this.carry = undefined;
  }
}

/**
 * An object's verified content (readContent) cut into lines: `onLine` sees each line as it
 * streams and may only gather; `flush` hands on what it gathered, awaited after every chunk and
 * once after the last line, so a slow consumer slows the read instead of filling memory. The
 * lines are views of a lent chunk, still valid when `flush` runs: what it hands to a stream is
 * a copy.
 */
export async function readLines(
  store: BucketStore,
  object: ObjectRef,
  onLine: OnLine,
  flush: () => Promise<void>,
  signal?: AbortSignal,
): Promise<ContentOutcome> {
  const splitter = new LineSplitter(onLine);
  const outcome = await readContent(
    store,
    object,
    async (chunk) => {
      splitter.push(chunk);
      await flush();
    },
    signal,
  );
  splitter.end();
  await flush();
  return outcome;
}
