/** What the DCS client tells the edge to log. No event ever carries a secret or a download link. */

export type DcsOperation =
  | 'list-run-logs'
  | 'collect-run-logs'
  | 'get-download-link'
  | 'list-replicas'
  | 'get-instance'
  | 'list-instances';

/** Why a listing stopped before it was known to hold every item. */
export type ListingIncompleteReason = 'max-pages' | 'no-progress' | 'short';

export type DcsEvent =
  | {
      type: 'dcs.retry';
      op: DcsOperation;
      instanceId?: string;
      /** The attempt that failed (1 = the first). */
      attempt: number;
      delayMs: number;
      /** The failure's reason, e.g. `dcs.APIGW.0308`, `dcs.network`. */
      reason: string;
      /** The API said it is overloaded (429, the gateway's flow control): the caller slows down. */
      throttled: boolean;
      message: string;
    }
  | {
      /** The server refused offset 0 (or answered it with nothing), so paging restarted from 1. */
      type: 'dcs.listing-offset-base';
      op: DcsOperation;
      instanceId?: string;
      base: 1;
      message: string;
    }
  | {
      type: 'dcs.listing-incomplete';
      op: DcsOperation;
      instanceId?: string;
      reason: ListingIncompleteReason;
      pages: number;
      /** Distinct items seen. */
      seen: number;
      /** What the server said it holds, when it said. */
      total?: number;
      message: string;
    }
  | {
      /** Items (run logs, instances, replicas) left out because they lacked a field; the first one as a short excerpt. */
      type: 'dcs.malformed-items';
      op: DcsOperation;
      instanceId?: string;
      count: number;
      problem: string;
      raw: string;
    };
