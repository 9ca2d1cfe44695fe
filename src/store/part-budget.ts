/**
 * The one memory budget for part buffers, shared by every upload of a store (`archive.memoryMiB`).
 * An upload alone may hold all of it (more parts in flight); when others are waiting, each may
 * hold only its fair share (the budget divided by the uploads open), and one holding more gives
 * its buffers back as its parts finish instead of filling them again. An upload holding nothing
 * may always start with one part when the budget has room for it, and a part larger than the
 * whole budget (a file so large that 10,000 parts need it) is granted once nothing else is held,
 * so no upload waits forever.
 */
export class PartBudget {
  readonly totalBytes: number;
  #heldBytes = 0;
  #open = 0;
  readonly #waiting: { lease: PartLease; bytes: number; grant: (granted: boolean | Buffer) => void }[] = [];

  constructor(totalBytes: number) {
    if (!(totalBytes > 0)) throw new Error('a part budget needs a positive size');
    this.totalBytes = totalBytes;
  }

  /** Bytes held by every open upload, in use or kept for reuse. */
  get heldBytes(): number {
    return this.#heldBytes;
  }

  /** An upload's share of the budget while others wait for theirs. */
  get shareBytes(): number {
    return Math.floor(this.totalBytes / Math.max(1, this.#open));
  }

  /** Opens an upload's lease on buffers of `partSize` bytes. */
  open(partSize: number): PartLease {
    this.#open++;
    return new PartLease(this, partSize);
  }

  /** Whether `lease` may take `bytes` more now. */
  canGrant(lease: PartLease, bytes: number): boolean {
    if (this.#heldBytes === 0) return true;
    if (this.#heldBytes + bytes > this.totalBytes) return false;
    const others = this.#waiting.some((waiting) => waiting.lease !== lease);
    return lease.heldBytes === 0 || !others || lease.heldBytes + bytes <= this.shareBytes;
  }

  /** Whether `lease` should give a spent buffer back rather than fill it again. */
  shouldGiveBack(lease: PartLease): boolean {
    return this.#waiting.some((waiting) => waiting.lease !== lease) && lease.heldBytes > this.shareBytes;
  }

  /**
   * Resolves true once granted (the bytes are then held), a buffer when the lease's own spent
   * buffer was handed straight to the wait (`reuse`), false when the lease closed first.
   */
  wait(lease: PartLease, bytes: number): Promise<boolean | Buffer> {
    return new Promise((grant) => {
      this.#waiting.push({ lease, bytes, grant });
      this.#serve();
    });
  }

  /**
   * Hands a lease's spent buffer to its own oldest wait for that size, ahead of the queue: the
   * bytes stay held by the lease, so nothing is released to be allocated again. Without this an
   * upload alone, waiting for its next part, dropped each finished buffer and allocated a new one
   * of the same size, and the dropped ones stayed in memory until a major collection: array
   * buffers at twice the budget for a large file.
   */
  reuse(lease: PartLease, buffer: Buffer): boolean {
    const index = this.#waiting.findIndex((waiting) => waiting.lease === lease && waiting.bytes === buffer.length);
    if (index < 0) return false;
    const [waiting] = this.#waiting.splice(index, 1);
    waiting!.grant(buffer);
    return true;
  }

  hold(bytes: number): void {
    this.#heldBytes += bytes;
  }

  release(bytes: number): void {
    this.#heldBytes -= bytes;
    this.#serve();
  }

  closed(lease: PartLease, heldBytes: number): void {
    this.#open--;
    this.#heldBytes -= heldBytes;
    this.cancel(lease);
  }

  /** Ends the waits of `lease` ungranted. */
  cancel(lease: PartLease): void {
    for (let i = this.#waiting.length - 1; i >= 0; i--) {
      const waiting = this.#waiting[i]!;
      if (waiting.lease !== lease) continue;
      this.#waiting.splice(i, 1);
      waiting.grant(false);
    }
    this.#serve();
  }

  /** Grants waiting requests in arrival order while they fit. */
  #serve(): void {
    for (let i = 0; i < this.#waiting.length; ) {
      const waiting = this.#waiting[i]!;
      // Asked without the request itself among the waiting, as it would be once granted.
      this.#waiting.splice(i, 1);
      if (this.canGrant(waiting.lease, waiting.bytes)) {
        this.#heldBytes += waiting.bytes;
        waiting.lease.granted(waiting.bytes);
        waiting.grant(true);
      } else {
        this.#waiting.splice(i, 0, waiting);
        i++;
      }
    }
  }
}

/**
 * One upload's part buffers: taken from the budget as parts are filled, reused from part to part,
 * all returned when the upload ends (`close`).
 */
export class PartLease {
  #heldBytes = 0;
  readonly #spare: Buffer[] = [];
  #closed = false;
  #waits = 0;

  constructor(
    private readonly budget: PartBudget,
    readonly partSize: number,
  ) {}

  get heldBytes(): number {
    return this.#heldBytes;
  }

  /**
   * A buffer of `partSize` bytes (or `bytes`, for a body known to be smaller), waiting for the
   * budget when it has none to spare; rejects when `signal` aborts the wait.
   */
  async take(bytes = this.partSize, signal?: AbortSignal): Promise<Buffer> {
    if (this.#closed) throw new Error('the upload has ended');
    if (bytes === this.partSize) {
      while (this.#spare.length > 0 && this.budget.shouldGiveBack(this)) this.#drop(this.#spare.pop()!);
      const spare = this.#spare.pop();
      if (spare) return spare;
    }
    if (this.budget.canGrant(this, bytes)) {
      this.budget.hold(bytes);
      this.#heldBytes += bytes;
    } else {
      const cancel = () => this.budget.cancel(this);
      signal?.addEventListener('abort', cancel, { once: true });
      this.#waits++;
      try {
        const granted = signal?.aborted ? false : await this.budget.wait(this, bytes);
        if (granted === false) throw new Error('the upload has ended');
        if (granted !== true) return granted;
      } finally {
        this.#waits--;
        signal?.removeEventListener('abort', cancel);
      }
    }
    return Buffer.allocUnsafe(bytes);
  }

  /** Called by the budget when a waiting request is granted. */
  granted(bytes: number): void {
    this.#heldBytes += bytes;
  }

  /**
   * A part is done with `buffer`: handed to this upload's own wait for a part, else kept for
   * the next part, or given back when others wait for theirs (or when this upload waits for a
   * part of another size: kept aside, the buffer could reach no one).
   */
  give(buffer: Buffer): void {
    if (this.#closed) return;
    const mine = buffer.length === this.partSize && !this.budget.shouldGiveBack(this);
    if (mine && this.#waits > 0 && this.budget.reuse(this, buffer)) return;
    if (!mine || this.#waits > 0) this.#drop(buffer);
    else this.#spare.push(buffer);
  }

  /** The upload ended: everything it held goes back to the budget (buffers still in flight included: they are never reused). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#spare.length = 0;
    const held = this.#heldBytes;
    this.#heldBytes = 0;
    this.budget.closed(this, held);
  }

  #drop(buffer: Buffer): void {
    this.#heldBytes -= buffer.length;
    this.budget.release(buffer.length);
  }
}
