import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EventTally } from '../../../src/redis-log/tally.js';
import { Meter } from '../../../src/transfer/meter.js';

const LOG = ['1:M 14 Nov 2026 02:00:00.000 * Background saving started by pid 2', '2:C 14 Nov 2026 02:00:01.000 * DB saved on disk', '1:M 14 Nov 2026 02:00:02.000 * Background saving terminated with success', ''].join('\n');

describe('Meter', () => {
  it('feeds every source chunk to the event tally on its way through, whatever the chunk boundaries', () => {
    const tally = new EventTally(2026);
    const meter = new Meter(Buffer.byteLength(LOG), undefined, tally);
    const bytes = Buffer.from(LOG);
    // The store refills one buffer: each chunk is valid only during its update call.
    const reused = Buffer.alloc(64);
    for (const [from, to] of [[0, 50], [50, 51], [51, bytes.length]] as const) {
      for (let at = from; at < to; at += reused.length) {
        const n = bytes.copy(reused, 0, at, Math.min(to, at + reused.length));
        meter.update(reused.subarray(0, n));
        reused.fill(0x78);
      }
    }
    meter.end();
    expect(meter.sha256()).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(tally.counts()).toEqual({
      'rdb-save-started': { count: 1, first: '2026-11-14T02:00:00.000Z', last: '2026-11-14T02:00:00.000Z' },
      'rdb-save-finished': { count: 1, first: '2026-11-14T02:00:02.000Z', last: '2026-11-14T02:00:02.000Z' },
    });
  });
});
