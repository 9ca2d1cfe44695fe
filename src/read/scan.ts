/**
 * Finds the matching lines of a stream without looking at every line: each chunk's whole lines
 * are searched as one block (a byte search for a fixed string or for each of a pattern's
 * plain-text alternatives, one regular-expression scan otherwise), and only the lines a hit
 * lands in are cut out and tested on their own, so the result is exactly the per-line one. Line
 * numbers come from counting newlines up to each hit. For patterns the block search cannot
 * serve (lookarounds), LineSplitter and `test` do it.
 */
import type { LineMatcher } from './match.js';

export type OnMatch = (line: string, number: number) => void;

type Block = NonNullable<LineMatcher['block']>;

export class MatchScanner {
  private carry: Buffer | undefined;
  /** Lines before the current block. */
  private lines = 0;

  constructor(
    private readonly matcher: LineMatcher & { block: Block },
    private readonly onMatch: OnMatch,
  ) {}

  push(chunk: Buffer): void {
    const last = chunk.lastIndexOf(0x0a);
    if (last === -1) {
      this.carry = this.carry ? Buffer.concat([this.carry, chunk]) : Buffer.from(chunk);
      return;
    }
    let from = 0;
    if (this.carry) {
      // Only the line the carry begins is joined: copying the whole chunk behind it would cost a copy of every byte.
      const first = chunk.indexOf(0x0a);
      this.scan(Buffer.concat([this.carry, chunk.subarray(0, first + 1)]));
      from = first + 1;
    }
    if (from <= last) this.scan(chunk.subarray(from, last + 1));
    this.carry = last + 1 < chunk.length ? Buffer.from(chunk.subarray(last + 1)) : undefined;
  }

  /** The bytes after the last newline are a last line of their own. */
  end(): void {
    if (!this.carry || this.carry.length === 0) return;
    const line = this.carry.toString('utf8');
    this.carry = undefined;
    if (this.matcher.test(line)) this.onMatch(line, this.lines + 1);
    this.lines++;
  }

  /** `block` is whole lines, each ending in a newline. */
  private scan(block: Buffer): void {
    const found = this.matcher.block;
    if (found.kind === 'bytes') this.scanBytes(block, [found.needle]);
    else if (found.kind === 'needles') this.scanBytes(block, found.needles);
    else this.scanText(block.toString('utf8'), found.regex);
  }

  /** Every line that holds one of `needles`, in order: each needle's next hit is kept, the earliest taken. */
  private scanBytes(block: Buffer, needles: Buffer[]): void {
    let counted = 0;
    let from = 0;
    let number = this.lines;
    const next = needles.map((needle) => block.indexOf(needle));
    for (;;) {
      let hit = -1;
      for (let i = 0; i < needles.length; i++) {
        // A hit in a line already passed is looked for again from here.
        if (next[i]! !== -1 && next[i]! < from) next[i] = block.indexOf(needles[i]!, from);
        if (next[i]! !== -1 && (hit === -1 || next[i]! < hit)) hit = next[i]!;
      }
      if (hit === -1) break;
      const start = hit === 0 ? 0 : block.lastIndexOf(0x0a, hit - 1) + 1;
      const end = block.indexOf(0x0a, hit);
      number += countNewlines(block, counted, start);
      const line = block.toString('utf8', start, end);
      // A needle with a newline in it can span lines: only a line that holds it whole matches.
      if (this.matcher.test(line)) this.onMatch(line, number + 1);
      number++;
      counted = from = end + 1;
      if (from >= block.length) break;
    }
    this.lines = number + countNewlines(block, counted, block.length);
  }

  private scanText(text: string, regex: RegExp): void {
    let counted = 0;
    let number = this.lines;
    regex.lastIndex = 0;
    while (regex.lastIndex < text.length) {
      const hit = regex.exec(text);
      // An empty match after the last newline is no line.
      if (!hit || hit.index >= text.length) break;
      const start = hit.index === 0 ? 0 : text.lastIndexOf('\n', hit.index - 1) + 1;
      const end = text.indexOf('\n', hit.index);
      number += countNewlinesIn(text, counted, start);
      const line = text.slice(start, end);
      // The block scan may match across a newline; the line alone decides.
      if (this.matcher.test(line)) this.onMatch(line, number + 1);
      number++;
      counted = regex.lastIndex = end + 1;
    }
    this.lines = number + countNewlinesIn(text, counted, text.length);
  }
}

function countNewlines(buffer: Buffer, from: number, to: number): number {
  let n = 0;
  for (let at = buffer.indexOf(0x0a, from); at !== -1 && at < to; at = buffer.indexOf(0x0a, at + 1)) n++;
  return n;
}

function countNewlinesIn(text: string, from: number, to: number): number {
  let n = 0;
  for (let at = text.indexOf('\n', from); at !== -1 && at < to; at = text.indexOf('\n', at + 1)) n++;
  return n;
}
