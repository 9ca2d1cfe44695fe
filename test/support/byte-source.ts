/** Test helpers for the ByteSource a store's `read` returns. */
import type { ByteSource } from '../../src/store/store.js';

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
