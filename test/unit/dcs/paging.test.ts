import { describe, expect, it } from 'vitest';
import { DcsApiError } from '../../../src/errors.js';
import type { DcsEvent } from '../../../src/dcs/events.js';
import { pageByOffset } from '../../../src/dcs/paging.js';
import type { WirePage } from '../../../src/dcs/wire-format.js';

/** A server holding `count` items `{id: 'log-N'}` that counts offsets from `base`. */
function server(count: number, base: 0 | 1, options: { refuseZero?: boolean; emptyAtZero?: boolean } = {}) {
  const items = Array.from({ length: count }, (_, i) => ({ id: `log-${i}` }));
  const offsets: number[] = [];
  const fetchPage = async (offset: number, limit: number): Promise<WirePage | undefined> => {
    offsets.push(offset);
    if (base === 1 && offset === 0) {
      if (options.refuseZero) {
        throw new DcsApiError('file', 'GET', '/v2/p/instances/i/redislog', 400, 'DCS.4800', 'req-1', 'Invalid offset in the request.');
      }
      if (options.emptyAtZero) return { items: [], total: count };
    }
    const start = Math.max(0, offset - base);
    return { items: items.slice(start, start + limit), total: count };
  };
  return { fetchPage, offsets };
}

function page(options: { pageSize?: number; maxPages?: number }, fetchPage: (offset: number, limit: number) => Promise<WirePage | undefined>) {
  const events: DcsEvent[] = [];
  const result = pageByOffset({
    op: 'list-run-logs',
    instanceId: 'i-1',
    pageSize: options.pageSize ?? 1000,
    maxPages: options.maxPages ?? 100,
    fetchPage,
    keyOf: (item) => (item as { id: string }).id,
    onEvent: (event) => events.push(event),
  });
  return { result, events };
}

const ids = (items: unknown[]) => items.map((item) => (item as { id: string }).id);
const expected = (count: number) => Array.from({ length: count }, (_, i) => `log-${i}`);

describe('offset paging of either base', () => {
  it('gathers 2,500 items from a 0-based server in three calls', async () => {
    const s = server(2500, 0);
    const { result, events } = page({}, s.fetchPage);
    const paged = await result;
    expect(ids(paged.items)).toEqual(expected(2500));
    expect(s.offsets).toEqual([0, 1000, 2000]);
    expect(paged.pages).toBe(3);
    expect(paged.incomplete).toBeUndefined();
    expect(events).toEqual([]);
  });

  it('gathers 2,500 items from a 1-based server that treats offset 0 as 1, the overlap removed', async () => {
    const s = server(2500, 1);
    const paged = await page({}, s.fetchPage).result;
    expect(ids(paged.items)).toEqual(expected(2500));
    expect(s.offsets).toEqual([0, 1000, 2000]);
  });

  it('restarts from offset 1 when the server refuses offset 0, and says so', async () => {
    const s = server(2500, 1, { refuseZero: true });
    const { result, events } = page({}, s.fetchPage);
    const paged = await result;
    expect(ids(paged.items)).toEqual(expected(2500));
    expect(s.offsets).toEqual([0, 1, 1001, 2001]);
    expect(paged.pages).toBe(3);
    expect(events).toMatchObject([{ type: 'dcs.listing-offset-base', base: 1, instanceId: 'i-1' }]);
  });

  it('restarts from offset 1 when offset 0 answers nothing while the server reports items', async () => {
    const s = server(30, 1, { emptyAtZero: true });
    const paged = await page({ pageSize: 10 }, s.fetchPage).result;
    expect(ids(paged.items)).toEqual(expected(30));
    expect(s.offsets).toEqual([0, 1, 11, 21]);
  });

  it('stops at a 204 and at an empty page', async () => {
    expect((await page({}, async () => undefined).result).items).toEqual([]);
    const s = server(0, 0);
    const paged = await page({}, s.fetchPage).result;
    expect(paged.items).toEqual([]);
    expect(paged.incomplete).toBeUndefined();
  });

  it('stops when a page adds no new item instead of paging forever, and reports the listing incomplete', async () => {
    const offsets: number[] = [];
    const { result, events } = page({ pageSize: 10 }, async (offset) => {
      offsets.push(offset);
      return { items: expected(10).map((id) => ({ id })), total: 50 };
    });
    const paged = await result;
    expect(offsets).toEqual([0, 10]);
    expect(paged.items).toHaveLength(10);
    expect(paged.incomplete?.reason).toBe('no-progress');
    expect(events).toMatchObject([{ type: 'dcs.listing-incomplete', reason: 'no-progress', seen: 10, total: 50 }]);
  });

  it('cuts a listing at maxPages and reports it', async () => {
    let n = 0;
    const { result, events } = page({ pageSize: 2, maxPages: 3 }, async () => ({ items: [{ id: `x${n++}` }, { id: `x${n++}` }], total: undefined }));
    const paged = await result;
    expect(paged.pages).toBe(3);
    expect(paged.items).toHaveLength(6);
    expect(paged.incomplete?.reason).toBe('max-pages');
    expect(events).toMatchObject([{ type: 'dcs.listing-incomplete', reason: 'max-pages', pages: 3, seen: 6 }]);
  });

  it('reports a listing that ends with fewer items than the server said it holds', async () => {
    const { result } = page({ pageSize: 10 }, async (offset) => (offset === 0 ? { items: [{ id: 'a' }], total: 2 } : { items: [], total: 2 }));
    expect((await result).incomplete?.reason).toBe('short');
  });

  it('throws a refusal of offset 1 after a refusal of offset 0', async () => {
    const refusal = new DcsApiError('file', 'GET', '/p', 400, 'DCS.4800', undefined, 'Invalid logType.');
    const offsets: number[] = [];
    const { result } = page({}, async (offset) => {
      offsets.push(offset);
      throw refusal;
    });
    await expect(result).rejects.toBe(refusal);
    expect(offsets).toEqual([0, 1]);
  });
});
