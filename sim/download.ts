/**
 * Serving a log's bytes like an object store: Range, an honest Content-Length, pacing, and
 * the failure shapes that matter to a streaming client (a short body on a closed socket).
 */
import type { ServerResponse } from 'node:http';
import { CHUNK_BYTES, contentChunks } from './content.js';

export type ByteRange = { start: number; end: number } | 'unsatisfiable';

/**
 * `bytes=a-b`, `bytes=a-` and `bytes=-n`, with `end` exclusive in the result. A multi-range or
 * malformed header is ignored (the whole object is served), as RFC 9110 allows.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const m = /^\s*bytes=(\d*)-(\d*)\s*$/.exec(header);
  if (!m) return undefined;
  const [, first = '', last = ''] = m;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  const end = last === '' ? size : Math.min(size, Number(last) + 1);
  return { start, end };
}

export interface StreamPlan {
  template: Buffer;
  start: number;
  /** Exclusive; where writing stops (for a truncation, before the promised end). */
  stopAt: number;
  /** Close the socket instead of ending the response once `stopAt` is reached. */
  cutConnection: boolean;
  bytesPerSecond: number;
  /** Extra real-time delay after each chunk. */
  chunkDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  isClosed: () => boolean;
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Sends whatever was written so far, then closes the socket, so the client really receives the
 * headers and the partial body before the connection dies (instead of a bare reset).
 */
export async function cutConnection(res: ServerResponse): Promise<void> {
  res.flushHeaders();
  // Node corks the socket for the rest of the tick in which the response was written.
  await new Promise((resolve) => setImmediate(resolve));
  const socket = res.socket;
  if (socket && !socket.destroyed && socket.writableLength > 0) {
    await new Promise<void>((resolve) => {
      const done = (): void => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
  }
  socket?.destroy();
  res.destroy();
}

/** Writes the planned bytes with backpressure; a truncation flushes what it sent, then kills the socket. */
export async function streamBody(res: ServerResponse, plan: StreamPlan): Promise<void> {
  const paced = plan.bytesPerSecond > 0;
  // Small chunks keep a slow rate smooth; unpaced downloads use big ones for throughput.
  const chunkBytes = paced ? Math.max(1024, Math.min(CHUNK_BYTES, Math.floor(plan.bytesPerSecond / 20))) : CHUNK_BYTES;
  const began = performance.now();
  let sent = 0;
  const chunks = contentChunks(plan.template, plan.start, plan.stopAt, chunkBytes);
  for (const chunk of chunks) {
    if (plan.isClosed() || res.destroyed) return;
    const ok = res.write(chunk);
    sent += chunk.length;
    if (!ok) await drained(res);
    if (plan.chunkDelayMs > 0) await plan.sleep(plan.chunkDelayMs);
    if (paced) {
      const ahead = began + (sent / plan.bytesPerSecond) * 1000 - performance.now();
      if (ahead > 0) await plan.sleep(ahead);
    }
  }
  if (plan.cutConnection) await cutConnection(res);
  else if (!res.destroyed) res.end();
}
