/**
 * Injected failures. Rules are tried in the order they were added; the first that matches the
 * request (op, instance, log), applies to that op and wins its probability roll is consumed once.
 * One fault per request keeps each scenario's cause unambiguous.
 */
import { mulberry32, type Prng } from './prng.js';
import type { SimFault, SimFaultKind, SimOp } from './types.js';

interface ActiveFault {
  fault: SimFault;
  remaining: number;
  random: Prng;
}

export interface FaultTarget {
  op: SimOp;
  instanceId?: string;
  logId?: string;
}

/** Kinds that mean something for a download; the rest are JSON-API shapes. */
const DOWNLOAD_KINDS = new Set<SimFaultKind>([
  'http-429',
  'http-500',
  'http-503',
  'http-401',
  'http-403',
  'http-404',
  'slow',
  'truncate',
  'reset',
  'expired-link',
  'huge-error-body',
  'hang',
]);

export function appliesTo(kind: SimFaultKind, op: SimOp): boolean {
  if (op === 'download') return DOWNLOAD_KINDS.has(kind);
  // 'expired-link' on the link call hands out a link that is already past its Expires.
  if (kind === 'expired-link') return op === 'link';
  return true;
}

export class FaultPlan {
  private active: ActiveFault[] = [];

  add(fault: SimFault): void {
    if (fault.times !== undefined && (!Number.isInteger(fault.times) || fault.times < 1)) {
      throw new Error(`sim: fault times must be a positive integer, got ${fault.times}`);
    }
    if (fault.probability !== undefined && !(fault.probability >= 0 && fault.probability <= 1)) {
      throw new Error(`sim: fault probability must be within 0..1, got ${fault.probability}`);
    }
    this.active.push({
      fault: { ...fault },
      remaining: fault.times ?? Number.POSITIVE_INFINITY,
      random: mulberry32(fault.seed ?? Math.floor(Math.random() * 2 ** 32)),
    });
  }

  clear(): void {
    this.active = [];
  }

  /** The fault this request suffers, if any; consumes one of its `times`. */
  take(target: FaultTarget): SimFault | undefined {
    for (const entry of this.active) {
      const { fault } = entry;
      if (entry.remaining <= 0 || fault.op !== target.op || !appliesTo(fault.kind, target.op)) continue;
      if (fault.instanceId !== undefined && fault.instanceId !== target.instanceId) continue;
      if (fault.logId !== undefined && fault.logId !== target.logId) continue;
      if (fault.probability !== undefined && entry.random() >= fault.probability) continue;
      entry.remaining -= 1;
      this.active = this.active.filter((e) => e.remaining > 0);
      return fault;
    }
    return undefined;
  }
}
