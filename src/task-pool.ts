/**
 * Keeps at most `max` tasks running while their work is produced (a listing walked, a body read
 * in parts), so each starts as soon as it exists and memory holds only what is in flight. A task's failure is kept (the first one) and
 * reported through `onFailure`, so the caller can stop starting work; `drain` waits for every
 * task and then throws it. Tasks never reject unobserved.
 */
export class TaskPool {
  private readonly running = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly max: number,
    private readonly onFailure: (error: unknown) => void,
  ) {}

  /** Starts `task`; resolves when there is room for another. */
  async add(task: () => Promise<void>): Promise<void> {
    const running: Promise<void> = task()
      .catch((error: unknown) => {
        if (this.failure) return;
        this.failure = { error };
        this.onFailure(error);
      })
      .finally(() => this.running.delete(running));
    this.running.add(running);
    while (this.running.size >= this.max) await Promise.race(this.running);
  }

  /** Waits for every task; throws the first failure. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.race(this.running);
    if (this.failure) throw this.failure.error;
  }
}

/** Like Promise.all, but waits for every promise to settle before throwing the first failure. */
export async function settleAll<T>(promises: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<T>).value);
}
