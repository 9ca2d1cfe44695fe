import { connect as netConnect, type LookupFunction, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** How to reach object storage: connect settings a test can point at a local server. */
export interface ConnectOptions {
  /** Extra trusted certificates (a local https server's). */
  ca?: string | Buffer;
  /** Name resolution (a test resolves an ordinary host name to this machine). */
  lookup?: LookupFunction;
}

export interface GetOptions extends ConnectOptions {
  headers: Record<string, string>;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  /** Longest silence while the body streams (time the reader spends elsewhere does not count). */
  bodyTimeoutMs: number;
  signal?: AbortSignal;
}

/** Why a GET broke off, for the caller to classify: before the answer's head, or in its body. */
export class GetFailure extends Error {
  override name = 'GetFailure';
  constructor(
    readonly stage: 'connect' | 'head' | 'body' | 'aborted',
    readonly code: string,
  ) {
    super(`${stage}: ${code}`);
  }
}

export interface GetAnswer {
  status: number;
  /** Lower-case names; a repeated header keeps its first value. */
  headers: Record<string, string>;
  body: SocketBody;
}

const READ_BUFFER_BYTES = 64 * 1024;
const MAX_HEAD_BYTES = 64 * 1024;

/**
 * One HTTP/1.1 GET on its own connection (`Connection: close`), whose socket reads land in one
 * 64 KiB buffer reused for the whole body (net's `onread`), and are copied from there straight
 * into the buffers the reader hands to `fill`. A download through undici or a Readable makes a
 * fresh buffer per socket read: a 1 GiB file leaves 16,000 of them for the collector, which
 * frees them on its own schedule, tens of MiB later (scripts/bench: peak RSS then follows the
 * file size). Here a download makes no garbage per read, so memory stays flat by construction.
 */
export function socketGet(url: URL, options: GetOptions): Promise<GetAnswer> {
  return new Promise((resolve, reject) => {
    const body = new SocketBody();
    const head = new HeadReader();
    const readBuffer: Buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
    let answered = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = (ms: number, failure: () => GetFailure) => {
      clearTimeout(timer);
      timer = setTimeout(() => fail(failure()), ms);
    };
    const fail = (failure: GetFailure) => {
      clearTimeout(timer);
      socket.destroy();
      if (answered) body.fail(failure);
      else reject(failure);
    };
    const onAbort = () => fail(new GetFailure('aborted', 'aborted'));
    const onread = (length: number): boolean => {
      let view: Buffer = readBuffer.subarray(0, length);
      if (!answered) {
        const rest = head.add(view);
        if (rest === 'too-long') {
          fail(new GetFailure('head', 'head-too-long'));
          return false;
        }
        if (rest === undefined) return true;
        answered = true;
        body.start(head.framing(), socket, options.bodyTimeoutMs, (failure) => fail(failure));
        resolve({ status: head.status, headers: head.headers, body });
        view = rest;
      }
      return body.push(view);
    };
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const common = { host, port, onread: { buffer: readBuffer, callback: onread }, ...(options.lookup ? { lookup: options.lookup } : {}) };
    const socket: Socket =
      url.protocol === 'https:'
        ? tlsConnect({ ...common, servername: isIpLiteral(host) ? undefined : host, ...(options.ca ? { ca: options.ca } : {}) })
        : netConnect(common);
    arm(options.connectTimeoutMs, () => new GetFailure('connect', 'connect-timeout'));
    socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
      arm(options.headersTimeoutMs, () => new GetFailure('head', 'headers-timeout'));
      const lines = [`GET ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, 'Connection: close', 'Accept-Encoding: identity'];
      for (const [name, value] of Object.entries(options.headers)) lines.push(`${name}: ${value}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => fail(new GetFailure(answered ? 'body' : 'connect', error.code ?? error.name)));
    socket.on('end', () => {
      if (answered) body.end();
      else fail(new GetFailure('head', 'closed-before-answer'));
    });
    socket.on('close', () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    });
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    body.onStarted = () => clearTimeout(timer);
  });
}

function isIpLiteral(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

type Framing = { kind: 'length'; bytes: number } | { kind: 'chunked' } | { kind: 'close' };

/** The status line and headers, gathered across reads (the only bytes copied out of the read buffer). */
class HeadReader {
  #text = '';
  status = 0;
  headers: Record<string, string> = {};

  /** The body bytes after the head once it is complete; undefined while it is not. */
  add(view: Buffer): Buffer | undefined | 'too-long' {
    const before = this.#text.length;
    this.#text += view.toString('latin1');
    const end = this.#text.indexOf('\r\n\r\n');
    if (end < 0) return this.#text.length > MAX_HEAD_BYTES ? 'too-long' : undefined;
    const [statusLine, ...lines] = this.#text.slice(0, end).split('\r\n');
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '');
    this.status = status ? Number(status[1]) : 0;
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      this.headers[name] ??= line.slice(colon + 1).trim();
    }
    // An interim answer (100 Continue) is followed by the real one.
    if (this.status >= 100 && this.status < 200) {
      const rest = view.subarray(end + 4 - before);
      this.#text = '';
      this.headers = {};
      return rest.length > 0 ? this.add(rest) : undefined;
    }
    return view.subarray(end + 4 - before);
  }

  framing(): Framing {
    if (this.status === 204 || this.status === 304) return { kind: 'length', bytes: 0 };
    if (/\bchunked\b/i.test(this.headers['transfer-encoding'] ?? '')) return { kind: 'chunked' };
    const length = this.headers['content-length'];
    if (length !== undefined && /^\d+$/.test(length)) return { kind: 'length', bytes: Number(length) };
    return { kind: 'close' };
  }
}

interface Pending {
  target: Buffer;
  filled: number;
  resolve: (filled: number) => void;
  reject: (error: unknown) => void;
}

/**
 * A response body read by copying into buffers the reader owns. Between two `fill`s the socket
 * is paused with the unread rest of its last read held, so the read buffer is never overwritten
 * before its bytes are copied out. It has the shape of the store's ByteSource (store.ts), which
 * downloads and reads hand on; this layer below the store does not name it.
 */
export class SocketBody {
  size: number | undefined;
  onStarted: () => void = () => {};
  #framing: Framing = { kind: 'close' };
  #socket: Socket | undefined;
  #held: Buffer | undefined;
  #pending: Pending | undefined;
  #failure: unknown;
  #done = false;
  /** The server closed its side; held bytes may still be read. */
  #closed = false;
  #remaining = 0;
  /** Chunked framing: the line being read (a size or a trailer), or the CRLF after a chunk. */
  #chunk: 'size' | 'data' | 'data-end' | 'trailer' = 'size';
  #line = '';
  #idleMs = 0;
  #idle: NodeJS.Timeout | undefined;
  #onFailure: (failure: GetFailure) => void = () => {};
  #peek: Buffer | undefined;

  start(framing: Framing, socket: Socket, idleMs: number, onFailure: (failure: GetFailure) => void): void {
    this.#framing = framing;
    this.#socket = socket;
    this.#idleMs = idleMs;
    this.#onFailure = onFailure;
    this.size = framing.kind === 'length' ? framing.bytes : undefined;
    this.#remaining = framing.kind === 'length' ? framing.bytes : 0;
    this.onStarted();
    if (framing.kind === 'length' && framing.bytes === 0) this.#finish();
    this.#armIdle();
  }

  /** Socket bytes arrived; false pauses the socket (the rest is held until the next fill). */
  push(view: Buffer): boolean {
    this.#armIdle();
    if (this.#done) return true;
    this.#held = view.length > 0 ? view : undefined;
    this.#drain();
    if (this.#held === undefined) return true;
    clearTimeout(this.#idle); // the reader is busy elsewhere: not the server's silence
    return false;
  }

  /**
   * The server closed its side. Bytes may still be held: a TLS socket delivers the close after
   * the last data even while paused. Whether the body ended whole is decided once they are read.
   */
  end(): void {
    if (this.#done || this.#failure !== undefined) return;
    this.#closed = true;
    if (this.#pending) this.#drain();
    else if (this.#held === undefined) this.#settleClosed();
  }

  fail(failure: unknown): void {
    if (this.#done || this.#failure !== undefined) return;
    this.#failure = failure;
    clearTimeout(this.#idle);
    this.#socket?.destroy();
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(failure);
  }

  fill(target: Buffer): Promise<number> {
    if (this.#pending) return Promise.reject(new Error('one fill at a time'));
    let filled = 0;
    if (this.#peek && target.length > 0) {
      target[0] = this.#peek[0]!;
      this.#peek = undefined;
      filled = 1;
    }
    return this.#fillFrom(target, filled);
  }

  async more(): Promise<boolean> {
    if (this.#peek) return true;
    const one = Buffer.allocUnsafe(1);
    if ((await this.#fillFrom(one, 0)) === 0) return false;
    this.#peek = one;
    return true;
  }

  destroy(error?: Error): void {
    this.fail(error ?? new GetFailure('aborted', 'aborted'));
  }

  #fillFrom(target: Buffer, filled: number): Promise<number> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#pending = { target, filled, resolve, reject };
      this.#drain();
      if (this.#pending && this.#held === undefined && !this.#done) {
        this.#socket?.resume();
        this.#armIdle();
      }
    });
  }

  /** Copies held bytes into the pending target, through the framing; settles the fill when full or done. */
  #drain(): void {
    const pending = this.#pending;
    let view = this.#held;
    if (!pending) return;
    while (view !== undefined && view.length > 0 && !this.#done && pending.filled < pending.target.length) {
      view = this.#step(view, pending);
    }
    this.#held = view !== undefined && view.length > 0 && !this.#done ? view : undefined;
    if (this.#closed && this.#held === undefined && this.#framing.kind === 'close') this.#finish();
    if (pending.filled === pending.target.length || this.#done) {
      this.#pending = undefined;
      pending.resolve(pending.filled);
      return;
    }
    if (this.#closed && this.#held === undefined) this.#settleClosed();
  }

  /** Closed by the server with nothing held: the end of a close-framed body, else a truncation. */
  #settleClosed(): void {
    if (this.#framing.kind === 'close') this.#finish();
    else this.fail(new GetFailure('body', 'closed-early'));
  }

  /** Consumes bytes of `view` (body bytes into the target, framing bytes read); returns the rest. */
  #step(view: Buffer, pending: Pending): Buffer {
    if (this.#framing.kind !== 'chunked' || this.#chunk === 'data') {
      const room = pending.target.length - pending.filled;
      const take = Math.min(room, view.length, this.#framing.kind === 'close' ? Infinity : this.#remaining);
      view.copy(pending.target, pending.filled, 0, take);
      pending.filled += take;
      if (this.#framing.kind !== 'close') this.#remaining -= take;
      if (this.#remaining === 0 && this.#framing.kind === 'length') this.#finish();
      if (this.#remaining === 0 && this.#framing.kind === 'chunked') this.#chunk = 'data-end';
      return view.subarray(take);
    }
    // A chunk's size line, the CRLF after its data, or a trailer line: read up to the line's end.
    const newline = view.indexOf(10);
    const upto = newline < 0 ? view.length : newline + 1;
    this.#line += view.toString('latin1', 0, upto);
    if (newline < 0) {
      if (this.#line.length > 1024) this.fail(new GetFailure('body', 'bad-chunk'));
      return view.subarray(upto);
    }
    const line = this.#line.trim();
    this.#line = '';
    if (this.#chunk === 'data-end') {
      this.#chunk = 'size';
    } else if (this.#chunk === 'size') {
      const size = /^([0-9a-fA-F]+)/.exec(line);
      if (!size) this.fail(new GetFailure('body', 'bad-chunk'));
      else if (Number.parseInt(size[1]!, 16) === 0) this.#chunk = 'trailer';
      else {
        this.#remaining = Number.parseInt(size[1]!, 16);
        this.#chunk = 'data';
      }
    } else if (line === '') {
      this.#finish();
    }
    return view.subarray(upto);
  }

  #finish(): void {
    this.#done = true;
    this.#held = undefined;
    clearTimeout(this.#idle);
    this.#socket?.destroy();
  }

  #armIdle(): void {
    if (this.#done || this.#failure !== undefined || this.#idleMs <= 0) return;
    clearTimeout(this.#idle);
    this.#idle = setTimeout(() => this.#onFailure(new GetFailure('body', 'body-timeout')), this.#idleMs);
  }
}
