/**
 * Offset paging that works whichever base the server counts from. DCS documents `offset` as
 * 0-based, while its own example and Terraform page from 1 in steps of `limit`. We start at 0 and
 * advance by the number of items received; a 1-based server then answers each page from one item
 * earlier, and the overlap of one is removed by de-duplicating on the item's key. A server that
 * refuses offset 0 (or answers it with nothing while holding items) is paged again from 1.
 */
import { DcsApiError } from '../errors.js';
import type { DcsEvent, DcsOperation, ListingIncompleteReason } from './events.js';
import type { WirePage } from './wire-format.js';

export interface OffsetPagingOptions {
  op: DcsOperation;
  instanceId?: string;
  pageSize: number;
  maxPages: number;
  /** Resolves with undefined on 204 (nothing there). */
  fetchPage: (offset: number, limit: number) => Promise<WirePage | undefined>;
  keyOf: (item: unknown) => string;
  onEvent: (event: DcsEvent) => void;
}

export interface PagedItems {
  /** Distinct items, in the order the server gave them. */
  items: unknown[];
  pages: number;
  incomplete?: { reason: ListingIncompleteReason; message: string };
}

export async function pageByOffset(options: OffsetPagingOptions): Promise<PagedItems> {
  const { op, pageSize, maxPages } = options;
  const where = options.instanceId === undefined ? {} : { instanceId: options.instanceId };
  const seen = new Map<string, unknown>();
  let base: 0 | 1 = 0;
  let offset = 0;
  let pages = 0;
  let total: number | undefined;
  let incomplete: PagedItems['incomplete'];

  const switchToBaseOne = (why: string) => {
    base = 1;
    offset = 1;
    options.onEvent({ type: 'dcs.listing-offset-base', op, ...where, base: 1, message: `${why}; paging again from offset 1` });
  };
  const stopIncomplete = (reason: ListingIncompleteReason, message: string) => {
    incomplete = { reason, message };
    options.onEvent({
      type: 'dcs.listing-incomplete',
      op,
      ...where,
      reason,
      pages,
      seen: seen.size,
      ...(total === undefined ? {} : { total }),
      message,
    });
  };

  for (;;) {
    if (pages >= maxPages) {
      stopIncomplete('max-pages', `stopped after ${pages} pages (the cap); ${seen.size} items seen${total === undefined ? '' : ` of ${total}`}`);
      break;
    }
    let page: WirePage | undefined;
    try {
      page = await options.fetchPage(offset, pageSize);
    } catch (error) {
      if (base === 0 && pages === 0 && isOffsetRefusal(error)) {
        switchToBaseOne('the server refused offset 0');
        continue;
      }
      throw error;
    }
    pages++;
    if (page === undefined) break;
    total = page.total ?? total;
    if (page.items.length === 0) {
      if (base === 0 && pages === 1 && total !== undefined && total > 0) {
        switchToBaseOne(`offset 0 returned no items while the server holds ${total}`);
        continue;
      }
      break;
    }
    let added = 0;
    for (const item of page.items) {
      const key = options.keyOf(item);
      if (!seen.has(key)) {
        seen.set(key, item);
        added++;
      }
    }
    if (total !== undefined && seen.size >= total) break;
    if (added === 0) {
      stopIncomplete('no-progress', `offset ${offset} returned only items already seen; stopped to avoid paging forever`);
      break;
    }
    offset += page.items.length;
  }

  if (incomplete === undefined && total !== undefined && seen.size < total) {
    stopIncomplete('short', `the server reported ${total} items but paging ended after ${seen.size}`);
  }
  return { items: [...seen.values()], pages, ...(incomplete === undefined ? {} : { incomplete }) };
}

/**
 * A 400 about the offset (`DCS.4800` "Invalid offset in the request."). Any DCS.4800 on the first
 * page counts: if it was about something else, the retry from 1 fails the same way and that error
 * is thrown.
 */
function isOffsetRefusal(error: unknown): boolean {
  return error instanceof DcsApiError && error.status === 400 && (error.errorCode === 'DCS.4800' || /offset/i.test(error.message));
}
