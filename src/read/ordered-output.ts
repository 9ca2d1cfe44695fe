/**
 * Output of work done in parallel, written in the order the work was started, with bounded
 * buffering: the oldest unfinished slot writes straight through (waiting for the stream to
 * drain); a later slot keeps its output until it is the oldest, and once it holds `limitBytes`
 * its writer waits (so its reading pauses) until then. Memory: at most slots × limitBytes.
 */
export interface Sink {
  write(data: Buffer | string): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

export class OrderedOutput {
  private readonly queue: Slot[] = [];

  constructor(
    private readonly out: Sink,
    private readonly limitBytes = 1024 * 1024,
  ) {}

  /** The next slot in output order. */
  slot(): Slot {
    const slot = new Slot(this, this.limitBytes);
    this.queue.push(slot);
    return slot;
  }

  /** @internal */
  isHead(slot: Slot): boolean {
    return this.queue[0] === slot;
  }

  /** @internal Writes through; resolves when the stream can take more. */
  async writeThrough(data: Buffer | string): Promise<void> {
    if (!this.out.write(data)) await new Promise<void>((resolve) => this.out.once('drain', resolve));
  }

  /** @internal The head finished: the next slots take their turn, in order. */
  advance(): void {
    while (this.queue[0]?.done) {
      this.queue.shift();
      const next = this.queue[0];
      if (next) for (const data of next.takePending()) this.out.write(data);
    }
  }
}

export class Slot {
  done = false;
  private pending: Array<Buffer | string> = [];
  private pendingBytes = 0;
  private waiting: (() => void) | undefined;
  private turn: (() => void) | undefined;

  constructor(
    private readonly output: OrderedOutput,
    private readonly limitBytes: number,
  ) {}

  async write(data: Buffer | string): Promise<void> {
    if (data.length === 0) return;
    if (this.output.isHead(this)) return this.output.writeThrough(data);
    this.pending.push(data);
    this.pendingBytes += data.length;
    if (this.pendingBytes >= this.limitBytes) await new Promise<void>((resolve) => (this.waiting = resolve));
  }

  /**
   * No more output from this slot. Resolves once its output has been handed to the stream, so a
   * caller that bounds its work in flight also bounds the finished slots still waiting their turn.
   */
  async end(): Promise<void> {
    if (this.done) return;
    this.done = true;
    if (this.output.isHead(this)) {
      this.output.advance();
      return;
    }
    await new Promise<void>((resolve) => (this.turn = resolve));
  }

  /** @internal This slot became the head: hand over what it held, and let its writer go on. */
  takePending(): Array<Buffer | string> {
    const taken = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    this.waiting?.();
    this.waiting = undefined;
    this.turn?.();
    this.turn = undefined;
    return taken;
  }
}
