/**
 * Reads a byte stream in parts of a fixed size for a multipart upload, copying each part into a
 * buffer the caller hands in, so that an upload can reuse a few part buffers from its first part
 * to its last. (lib-storage's chunker allocates a fresh buffer per part with `Buffer.concat`;
 * those outlive a young-generation collection while their part is in flight and pile up until
 * a full one, which made peak memory vary by tens of MiB from one transfer to the next.)
 */
export class PartReader {
  readonly #iterator: AsyncIterator<Buffer>;
  /** The part of the last chunk read that is not copied out yet. */
  #rest: Buffer | undefined;
  #ended = false;

  constructor(source: AsyncIterable<Buffer>) {
    this.#iterator = source[Symbol.asyncIterator]();
  }

  /** Whether any byte is left: reads one chunk ahead when none is held. */
  async more(): Promise<boolean> {
    while (this.#rest === undefined && !this.#ended) {
      const next = await this.#iterator.next();
      if (next.done) this.#ended = true;
      else if (next.value.length > 0) this.#rest = next.value;
    }
    return this.#rest !== undefined;
  }

  /**
   * Up to `size` bytes as the chunks that hold them, without copying (fewer only at the end):
   * the first part, which is all there is for most files.
   */
  async take(size: number): Promise<Buffer[]> {
    const chunks: Buffer[] = [];
    let taken = 0;
    while (taken < size && (await this.more())) {
      const chunk = this.#split(size - taken);
      chunks.push(chunk);
      taken += chunk.length;
    }
    return chunks;
  }

  /** Copies up to `target.length` bytes into `target`; returns how many (fewer only at the end). */
  async fill(target: Buffer): Promise<number> {
    let filled = 0;
    while (filled < target.length && (await this.more())) {
      const chunk = this.#split(target.length - filled);
      chunk.copy(target, filled);
      filled += chunk.length;
    }
    return filled;
  }

  /** The next at most `max` bytes of the held chunk, keeping the rest. */
  #split(max: number): Buffer {
    const rest = this.#rest!;
    if (rest.length <= max) {
      this.#rest = undefined;
      return rest;
    }
    this.#rest = rest.subarray(max);
    return rest.subarray(0, max);
  }
}
