import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PartReader } from '../../../src/store/parts.js';

const bytes = (length: number, from = 0) => Buffer.from(Array.from({ length }, (_, i) => (from + i) % 251));

/** Reads the whole source in parts of `size` the way an upload does: filled into reused buffers. */
async function readParts(chunks: Buffer[], size: number): Promise<{ parts: Buffer[]; buffers: Set<Buffer> }> {
  const reader = new PartReader(Readable.from(chunks));
  const first = Buffer.alloc(size);
  const parts = [Buffer.from(first.subarray(0, await reader.fill(first)))];
  const buffers = new Set<Buffer>();
  const spare = [Buffer.alloc(size), Buffer.alloc(size)];
  for (let i = 0; await reader.more(); i++) {
    const buffer = spare[i % 2]!;
    buffers.add(buffer);
    const length = await reader.fill(buffer);
    parts.push(Buffer.from(buffer.subarray(0, length))); // a copy: the buffer is filled again
  }
  return { parts, buffers };
}

describe('PartReader', () => {
  it('cuts a stream into parts of the given size whatever its chunks, the last one shorter', async () => {
    const whole = bytes(23);
    const chunks = [whole.subarray(0, 3), whole.subarray(3, 4), whole.subarray(4, 15), whole.subarray(15)];
    const { parts, buffers } = await readParts(chunks, 5);
    expect(parts.map((part) => part.length)).toEqual([5, 5, 5, 5, 3]);
    expect(Buffer.concat(parts).equals(whole)).toBe(true);
    expect(buffers.size).toBe(2);
  });

  it('ends exactly at a part boundary without an empty last part', async () => {
    const whole = bytes(10);
    const { parts } = await readParts([whole.subarray(0, 7), whole.subarray(7)], 5);
    expect(parts.map((part) => part.length)).toEqual([5, 5]);
    expect(Buffer.concat(parts).equals(whole)).toBe(true);
  });

  it('skips empty chunks and reads an empty stream as one empty part', async () => {
    const reader = new PartReader(Readable.from([Buffer.alloc(0), bytes(2), Buffer.alloc(0)]));
    const part = Buffer.alloc(5);
    expect(await reader.fill(part)).toBe(2);
    expect(part.subarray(0, 2).equals(bytes(2))).toBe(true);
    expect(await reader.more()).toBe(false);
    const empty = new PartReader(Readable.from([]));
    expect(await empty.more()).toBe(false);
    expect(await empty.fill(Buffer.alloc(5))).toBe(0);
  });

  it('passes on the error of a source that fails midway', async () => {
    const failure = new Error('source failed');
    const source = Readable.from(
      (async function* () {
        yield bytes(3);
        throw failure;
      })(),
    );
    const reader = new PartReader(source);
    await expect(reader.fill(Buffer.alloc(5))).rejects.toBe(failure);
  });
});
