/** Test helpers for the ByteSource a store's `read` returns. */
import type { ByteSource } from '../../src/store/store.js';

/** Every byte of `source`, filled through one reused buffer of `bufferBytes`, as the readers fill. */
export async function readAll(source: ByteSource, bufferBytes = 64 * 1024): Promise<Buffer> {
  const parts: Buffer[] = [];
  const buffer = Buffer.alloc(bufferBytes);
  for (;;) {
    const filled = await source.fill(buffer);
    parts.push(Buffer.from(buffer.subarray(0, filled)));
    if (filled < buffer.length) return Buffer.concat(parts);
  }
}

/** `source`, with `onDone` called once when it ends, fails or is destroyed: a read no longer open. */
export function watchEnd(source: ByteSource, onDone: () => void): ByteSource {
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    onDone();
  };
  return {
    get size() {
      return source.size;
    },
    fill: (target) =>
      source.fill(target).then(
        (filled) => {
          if (filled < target.length) finish();
          return filled;
        },
        (error: unknown) => {
          finish();
          throw error;
        },
      ),
    more: () => source.more(),
    destroy: (error) => {
      finish();
      source.destroy(error);
    },
  };
}
