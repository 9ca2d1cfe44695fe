import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { ArchiveError } from '../errors.js';
import type { EventTally } from '../redis-log/tally.js';

/**
 * Counts and hashes the source bytes (and tallies their Redis events) on their way to the store. When the response promised
 * a length, ending short (or long) is an error raised before the stream ends, so the upload
 * fails and is aborted instead of completing with a truncated object.
 */
export class Meter extends Transform {
  bytes = 0;
  private readonly hash = createHash('sha256');
  private digest: string | undefined;

  constructor(
    private readonly expectedBytes: number | undefined,
    private readonly onBytes?: (chunkBytes: number) => void,
    /** Counts the Redis events in the source bytes on the way, so the record needs no second read. */
    private readonly tally?: EventTally,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    this.tally?.push(chunk);
    this.onBytes?.(chunk.length);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.expectedBytes !== undefined && this.bytes !== this.expectedBytes) {
      callback(
        new ArchiveError('download', 'retryable', 'truncated', `download ended after ${this.bytes} of ${this.expectedBytes} bytes promised by Content-Length`),
      );
      return;
    }
    this.digest = this.hash.digest('hex');
    callback();
  }

  /** The SHA-256 of everything that passed; only after the stream ended cleanly. */
  sha256(): string {
    if (this.digest === undefined) throw new Error('the stream has not ended');
    return this.digest;
  }
}
