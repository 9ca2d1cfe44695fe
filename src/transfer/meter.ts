import { createHash } from 'node:crypto';
import { ArchiveError } from '../errors.js';
import type { EventTally } from '../redis-log/tally.js';
import type { ByteSource } from '../store/store.js';

/**
 * Counts and hashes the source bytes (and tallies their Redis events) on their way to the store:
 * every source byte passes through `update`, once, in order. When the response promised a length,
 * ending short (or long) is an error raised before the store sees the end, so the upload fails
 * and is aborted instead of completing with a truncated object.
 */
export class Meter {
  bytes = 0;
  private readonly hash = createHash('sha256');
  private digest: string | undefined;

  constructor(
    private readonly expectedBytes: number | undefined,
    private readonly onBytes?: (chunkBytes: number) => void,
    /** Counts the Redis events in the source bytes on the way, so the record needs no second read. */
    private readonly tally?: EventTally,
  ) {}

  /**
   * The next source bytes. `chunk` is a view of a buffer that is filled again afterwards: valid
   * during this call only (copy what must outlive it).
   */
  update(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    this.tally?.push(chunk);
    this.onBytes?.(chunk.length);
  }

  /** The source ended; throws when it ended short of, or beyond, its promised length. */
  end(): void {
    if (this.digest !== undefined) return;
    if (this.expectedBytes !== undefined && this.bytes !== this.expectedBytes) {
      throw new ArchiveError('download', 'retryable', 'truncated', `download ended after ${this.bytes} of ${this.expectedBytes} bytes promised by Content-Length`);
    }
    this.digest = this.hash.digest('hex');
  }

  /** The SHA-256 of everything that passed; only after the source ended cleanly. */
  sha256(): string {
    if (this.digest === undefined) throw new Error('the stream has not ended');
    return this.digest;
  }

  /**
   * `source` as seen through this meter: the bytes each fill copied are counted and hashed where
   * they landed, and the end is checked before it is reported.
   */
  measure(source: ByteSource): ByteSource {
    return {
      size: source.size,
      fill: async (target) => {
        const filled = await source.fill(target);
        if (filled > 0) this.update(target.subarray(0, filled));
        if (filled < target.length) this.end();
        return filled;
      },
      more: async () => {
        const more = await source.more();
        if (!more) this.end();
        return more;
      },
      destroy: (error) => source.destroy(error),
    };
  }
}
