import type { FileHandle } from 'node:fs/promises';
import { AbortedError } from '../errors.js';
import type { ByteSource } from './store.js';

/**
 * An open file read as a ByteSource: each fill reads straight into the caller's buffer. The
 * handle is closed at the end, on destroy and on a failed read.
 */
export function fileSource(file: FileHandle, size: number, fail: (error: unknown) => Error): ByteSource {
  let closed = false;
  let failure: Error | undefined;
  let peek: number | undefined;
  const close = () => {
    if (closed) return;
    closed = true;
    void file.close().catch(() => {});
  };
  const read = async (target: Buffer, from: number): Promise<number> => {
    let filled = from;
    while (filled < target.length && !closed) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await file.read(target, filled, target.length - filled, null));
      } catch (error) {
        close();
        throw (failure = fail(error));
      }
      if (bytesRead === 0) close();
      filled += bytesRead;
    }
    if (failure) throw failure;
    return filled;
  };
  return {
    size,
    async fill(target) {
      if (failure) throw failure;
      if (peek === undefined || target.length === 0) return read(target, 0);
      target[0] = peek;
      peek = undefined;
      return read(target, 1);
    },
    async more() {
      if (peek !== undefined) return true;
      const one = Buffer.allocUnsafe(1);
      if ((await read(one, 0)) === 0) return false;
      peek = one[0];
      return true;
    },
    destroy(error) {
      failure ??= error ?? new AbortedError('the read was stopped');
      close();
    },
  };
}
