import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EventTally } from '../../../src/redis-log/tally.js';
import { Meter } from '../../../src/transfer/meter.js';

const LOG = ['1:M 14 Nov 2026 02:00:00.000 * Background saving started by pid 2', '2:C 14 Nov 2026 02:00:01.000 * DB saved on disk', '1:M 14 Nov 2026 02:00:02.000 * Background saving terminated with success', ''].join('\n');

describe('Meter', () => {
  it('feeds every source chunk to the event tally on its way through, passing the bytes on unchanged', async () => {
    const tally = new EventTally(2026);
    const meter = new Meter(Buffer.byteLength(LOG), undefined, tally);
    const bytes = Buffer.from(LOG);
    const chunks = [bytes.subarray(0, 50), bytes.subarray(50, 51), bytes.subarray(51)];
    const out: Buffer[] = [];
    await pipeline(Readable.from(chunks), meter, new Writable({ write: (chunk: Buffer, _e, done) => (out.push(chunk), done()) }));
    expect(Buffer.concat(out).toString()).toBe(LOG);
    expect(tally.counts()).toEqual({
      'rdb-save-started': { count: 1, first: '2026-11-14T02:00:00.000Z', last: '2026-11-14T02:00:00.000Z' },
      'rdb-save-finished': { count: 1, first: '2026-11-14T02:00:02.000Z', last: '2026-11-14T02:00:02.000Z' },
    });
  });
});
