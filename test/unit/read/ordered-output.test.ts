import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { OrderedOutput, type Sink } from '../../../src/read/ordered-output.js';

/** A stream that takes writes until it holds `highWater` bytes, then wants a drain. */
class Recording extends EventEmitter implements Sink {
  written: string[] = [];
  held = 0;
  constructor(private readonly highWater = Infinity) {
    super();
  }
  write(data: Buffer | string): boolean {
    this.written.push(String(data));
    this.held += data.length;
    return this.held < this.highWater;
  }
  drain() {
    this.held = 0;
    this.emit('drain');
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('OrderedOutput', () => {
  it('writes every slot in the order the slots were taken, whatever order they finish in', async () => {
    const out = new Recording();
    const output = new OrderedOutput(out);
    const [a, b, c] = [output.slot(), output.slot(), output.slot()];
    await a.write('a1 ');
    const cDone = (async () => {
      await c.write('c1 ');
      await c.end();
    })();
    const bDone = (async () => {
      await b.write('b1 ');
      await b.write('b2 ');
      await b.end();
    })();
    await tick();
    expect(out.written.join('')).toBe('a1 ');
    await a.write('a2 ');
    await a.end();
    await Promise.all([bDone, cDone]);
    expect(out.written.join('')).toBe('a1 a2 b1 b2 c1 ');
  });

  it('makes a slot that is not first wait once it holds its limit, and lets it go when its turn comes', async () => {
    const out = new Recording();
    const output = new OrderedOutput(out, 4);
    const first = output.slot();
    const second = output.slot();
    let secondWrote = false;
    const writer = (async () => {
      await second.write('xxxx');
      secondWrote = true;
    })();
    await tick();
    expect(secondWrote).toBe(false);
    await first.end();
    await writer;
    expect(secondWrote).toBe(true);
    expect(out.written).toEqual(['xxxx']);
  });

  it('holds end() of a finished slot until its output was handed on, so finished slots cannot pile up', async () => {
    const out = new Recording();
    const output = new OrderedOutput(out);
    const first = output.slot();
    const second = output.slot();
    await second.write('later');
    let ended = false;
    const ending = second.end().then(() => (ended = true));
    await tick();
    expect(ended).toBe(false);
    await first.end();
    await ending;
    expect(out.written).toEqual(['later']);
  });

  it('waits for the stream to drain when the first slot writes more than it takes', async () => {
    const out = new Recording(3);
    const output = new OrderedOutput(out);
    const slot = output.slot();
    let wrote = false;
    const writing = slot.write('abcd').then(() => (wrote = true));
    await tick();
    expect(wrote).toBe(false);
    out.drain();
    await writing;
    expect(wrote).toBe(true);
  });
});
