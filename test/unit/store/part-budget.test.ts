import { describe, expect, it } from 'vitest';
import { PartBudget, type PartLease } from '../../../src/store/part-budget.js';

const MiB = 1024 * 1024;

/** Lets every settled promise run its callbacks, so a take that can be granted has been. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A take whose outcome can be looked at without awaiting it. */
function taking(lease: PartLease, signal?: AbortSignal) {
  const state: { buffer?: Buffer; error?: unknown } = {};
  const promise = lease.take(lease.partSize, signal).then(
    (buffer) => (state.buffer = buffer),
    (error: unknown) => (state.error = error),
  );
  return { state, promise };
}

describe('the part budget', () => {
  it('gives one upload alone the whole budget: as many parts as fit, each reused once given back', async () => {
    const budget = new PartBudget(40 * MiB);
    const lease = budget.open(8 * MiB);
    const buffers = await Promise.all([1, 2, 3, 4, 5].map(() => lease.take()));
    expect(buffers.every((buffer) => buffer.length === 8 * MiB)).toBe(true);
    expect(budget.heldBytes).toBe(40 * MiB);

    const sixth = taking(lease);
    await settle();
    expect(sixth.state.buffer).toBeUndefined();
    lease.give(buffers[0]!);
    await settle();
    // Handed straight over, not dropped and allocated again.
    expect(sixth.state.buffer).toBe(buffers[0]);
    expect(budget.heldBytes).toBe(40 * MiB);

    // Given back with nobody waiting, a buffer is kept and filled again.
    lease.give(buffers[1]!);
    expect(await lease.take()).toBe(buffers[1]);
    lease.close();
    expect(budget.heldBytes).toBe(0);
  });

  it('shares the budget between uploads: one holding more than its share gives back as its parts finish', async () => {
    const budget = new PartBudget(40 * MiB);
    const first = budget.open(8 * MiB);
    const held = await Promise.all([1, 2, 3, 4, 5].map(() => first.take()));
    const second = budget.open(8 * MiB);
    const waiting = [taking(second), taking(second)];
    await settle();
    expect(waiting.map((w) => w.state.buffer)).toEqual([undefined, undefined]);

    // While the second waits, each finished part of the first goes to it instead of being filled again.
    for (const buffer of held.slice(0, 2)) first.give(buffer);
    await settle();
    expect(waiting.every((w) => w.state.buffer !== undefined)).toBe(true);
    expect(first.heldBytes).toBe(24 * MiB);
    expect(second.heldBytes).toBe(16 * MiB);
    // Nobody waiting: the first keeps a finished part's buffer and fills it again.
    first.give(held[2]!);
    expect(await first.take()).toBe(held[2]);
    // The second asks again: the first is still over its share (20 MiB), so its next finished part goes over.
    const third = taking(second);
    await settle();
    expect(third.state.buffer).toBeUndefined();
    first.give(held[3]!);
    await settle();
    expect(third.state.buffer).toBeDefined();
    expect(first.heldBytes).toBe(16 * MiB);
    expect(budget.heldBytes).toBe(40 * MiB);

    first.close();
    second.close();
    expect(budget.heldBytes).toBe(0);
  });

  it('never holds more than the budget, however many uploads ask, and serves every upload in turn', async () => {
    const budget = new PartBudget(24 * MiB);
    const leases = Array.from({ length: 8 }, () => budget.open(5 * MiB));
    let most = 0;
    const parts: { lease: PartLease; buffer: Buffer }[] = [];
    const pending = leases.flatMap((lease) =>
      [1, 2, 3].map(() =>
        lease.take().then((buffer) => {
          parts.push({ lease, buffer });
          most = Math.max(most, budget.heldBytes);
        }),
      ),
    );
    // Finish parts one by one, as the store would, until every take was served.
    for (let served = 0; served < 24; served++) {
      await settle();
      expect(budget.heldBytes).toBeLessThanOrEqual(24 * MiB);
      const done = parts.shift();
      if (!done) throw new Error(`stuck after ${served} parts: nothing in flight and takes still waiting`);
      done.lease.give(done.buffer);
    }
    await Promise.all(pending);
    expect(most).toBeLessThanOrEqual(24 * MiB);
    for (const lease of leases) lease.close();
    expect(budget.heldBytes).toBe(0);
  });

  it('gives an upload holding nothing its first part while the others are over their share', async () => {
    const budget = new PartBudget(30 * MiB);
    const big = budget.open(10 * MiB);
    const held = [await big.take(), await big.take()];
    const small = budget.open(10 * MiB);
    expect((await small.take()).length).toBe(10 * MiB);
    big.give(held[0]!);
    big.close();
    small.close();
  });

  it('grants a part larger than the whole budget once nothing else is held', async () => {
    const budget = new PartBudget(8 * MiB);
    const other = budget.open(5 * MiB);
    const buffer = await other.take();
    const huge = budget.open(16 * MiB);
    const waiting = taking(huge);
    await settle();
    expect(waiting.state.buffer).toBeUndefined();
    other.give(buffer);
    other.close();
    await settle();
    expect(waiting.state.buffer?.length).toBe(16 * MiB);
    huge.close();
  });

  it('ends a wait when the upload stops, and returns what it held when it closes', async () => {
    const budget = new PartBudget(10 * MiB);
    const first = budget.open(10 * MiB);
    await first.take();
    const second = budget.open(10 * MiB);
    const controller = new AbortController();
    const waiting = taking(second, controller.signal);
    controller.abort();
    await waiting.promise;
    expect(waiting.state.error).toBeInstanceOf(Error);
    second.close();
    first.close();
    expect(budget.heldBytes).toBe(0);
  });
});
