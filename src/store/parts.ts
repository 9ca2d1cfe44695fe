import { Readable } from 'node:stream';
import type { ByteSource } from './store.js';

/**
 * A Readable read as a ByteSource: each part is copied into a buffer the caller hands in, so that
 * an upload can reuse a few part buffers from its first part to its last. (lib-storage's chunker
 * allocates a fresh buffer per part with `Buffer.concat`; those outlive a young-generation
 * collection while their part is in flight and pile up until a full one, which made peak memory
 * vary by tens of MiB from one transfer to the next.) Its errors are the stream's own.
 */
export class PartReader implements ByteSource {
  readonly size = undefined;
  readonly #stream: Readable | undefined;
  readonly #iterator: AsyncIterator<Buffer>;
  /** The part of the last chunk read that is not copied out yet. */
  #rest: Buffer | undefined;
  #ended = false;

  /** Rejects once destroyed: a read waiting on a stalled source ends then, not when the source lets go. */
  readonly #stopped: Promise<never>;
  #stop: (error: Error) => void = () => {};

  constructor(source: Readable | AsyncIterable<Buffer>) {
    this.#stream = 'destroy' in source ? source : undefined;
    this.#iterator = source[Symbol.asyncIterator]();
    this.#stopped = new Promise<never>((_, reject) => (this.#stop = reject));
    this.#stopped.catch(() => undefined); // nobody may be reading when it is destroyed
  }

  destroy(error?: Error): void {
    this.#stop(error ?? new Error('the body was destroyed'));
    this.#stream?.destroy(error);
  }

  /** Whether any byte is left: reads one chunk ahead when none is held. */
  async more(): Promise<boolean> {
    while (this.#rest === undefined && !this.#ended) {
      const next = await Promise.race([this.#iterator.next(), this.#stopped]);
      if (next.done) this.#ended = true;
      else if (next.value.length > 0) this.#rest = next.value;
    }
    return this.#rest !== undefined;
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

/** `source`, whose failed fills reject with `classify(error)` instead: errors classified once, at the edge. */
export function classifiedSource(source: ByteSource, classify: (error: unknown) => unknown): ByteSource {
  const failed = (error: unknown) => Promise.reject(classify(error));
  return {
    get size() {
      return source.size;
    },
    fill: (target) => source.fill(target).catch(failed),
    more: () => source.more().catch(failed),
    destroy: (error) => source.destroy(error),
  };
}

/**
 * A ByteSource read as a Readable: each read fills a buffer of its own (`readBytes`), since a
 * stream's consumer may keep the chunks it is given (zlib works on its input later; ordered
 * output holds a slot's chunks until its turn). At most one read is filled while one waits.
 */
export function byteSourceStream(source: ByteSource, readBytes: number): Readable {
  return new Readable({
    highWaterMark: readBytes,
    async read() {
      try {
        const chunk = Buffer.allocUnsafe(readBytes);
        const filled = await source.fill(chunk);
        if (filled > 0) this.push(chunk.subarray(0, filled));
        if (filled < chunk.length) this.push(null);
      } catch (error) {
        this.destroy(error as Error);
      }
    },
    destroy(error, callback) {
      source.destroy(error ?? undefined);
      callback(error);
    },
  });
}
