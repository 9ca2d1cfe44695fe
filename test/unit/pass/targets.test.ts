import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { shardOf } from '../../../src/pass/shard.js';
import { inCanaryOrder, selectTargets } from '../../../src/pass/targets.js';

const first = { name: 'first' };
const second = { name: 'second' };
const candidates = [
  { id: 'a', name: 'alpha', project: first },
  { id: 'b', name: undefined, project: first },
  { id: 'c', name: 'gamma', project: second },
];

describe('selectTargets', () => {
  it('keeps every candidate without --instance or shard', () => {
    expect(selectTargets(candidates, {})).toEqual(candidates);
  });

  it('takes --instance by id or by name, each instance once, and refuses one that names no instance', () => {
    expect(selectTargets(candidates, { only: ['c', 'alpha', 'c'] })).toEqual([candidates[0], candidates[2]]);
    expect(() => selectTargets(candidates, { only: ['c', 'zz', 'orders-cache'] })).toThrow(
      '--instance: "zz", "orders-cache" names no configured or discovered instance; allowed: an id or a name of 3 instance(s), e.g. a (alpha), b, c (gamma)',
    );
    expect(() => selectTargets(candidates, { only: ['zz'] })).toThrow(ConfigError);
  });

  it('keeps only the instances of the shard, and the shards together cover every instance once', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ id: `i-${i}`, name: undefined, project: first }));
    const shards = [0, 1, 2].map((index) => selectTargets(many, { shard: { index, count: 3 } }));
    for (const [index, shard] of shards.entries()) expect(shard.every((t) => shardOf(t.id, 3) === index)).toBe(true);
    expect(shards.flat().map((t) => t.id).sort()).toEqual(many.map((t) => t.id).sort());
  });
});

describe('inCanaryOrder', () => {
  it('starts the rest of a project only once its first instance is ready, and other projects at once', async () => {
    const log: string[] = [];
    let readyFirst = () => {};
    let finishFirst = () => {};
    const results = inCanaryOrder(candidates, async (target, ready) => {
      log.push(`start ${target.id}`);
      if (target.id === 'a') {
        readyFirst = ready;
        await new Promise<void>((resolve) => (finishFirst = resolve));
      }
      return target.id;
    }, { open: 3 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(log).toEqual(['start a', 'start c']);
    readyFirst();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(log).toEqual(['start a', 'start c', 'start b']);
    finishFirst();
    expect(await results).toEqual(['a', 'b', 'c']);
  });

  it('lets the rest of the project go when the first fails without calling ready', async () => {
    const started: string[] = [];
    const results = await Promise.allSettled([
      inCanaryOrder(candidates.slice(0, 2), async (target) => {
        started.push(target.id);
        if (target.id === 'a') throw new Error('first failed');
        return target.id;
      }, { open: 2 }),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(results[0]).toMatchObject({ status: 'rejected' });
    expect(started).toEqual(['a', 'b']);
  });

  it("works on at most `open` targets at once, each project's first ones first, and returns the results in the targets' order", async () => {
    const projects = [{ name: 'p0' }, { name: 'p1' }, { name: 'p2' }];
    const many = Array.from({ length: 60 }, (_, i) => ({ id: `i-${i}`, name: undefined, project: projects[i < 50 ? 0 : i < 55 ? 1 : 2]! }));
    let open = 0;
    let most = 0;
    const started: string[] = [];
    const results = await inCanaryOrder(many, async (target, ready) => {
      started.push(target.id);
      open += 1;
      most = Math.max(most, open);
      await new Promise((resolve) => setImmediate(resolve));
      ready();
      await new Promise((resolve) => setTimeout(resolve, 1));
      open -= 1;
      return target.id;
    }, { open: 4 });
    expect(most).toBe(4);
    expect(started.slice(0, 3)).toEqual(['i-0', 'i-50', 'i-55']);
    expect(started.sort()).toEqual(many.map((t) => t.id).sort());
    expect(results).toEqual(many.map((t) => t.id));
  });

  it('starts nothing but the first of a project while that one is not ready, however wide `open` is', async () => {
    const many = Array.from({ length: 10 }, (_, i) => ({ id: `i-${i}`, name: undefined, project: first }));
    const started: string[] = [];
    let readyFirst = () => {};
    const results = inCanaryOrder(many, async (target, ready) => {
      started.push(target.id);
      if (target.id === 'i-0') await new Promise<void>((resolve) => (readyFirst = () => (ready(), resolve())));
      return target.id;
    }, { open: 100 });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(started).toEqual(['i-0']);
    readyFirst();
    expect(await results).toEqual(many.map((t) => t.id));
  });
});
