import type { ArchiverEvent } from './events.js';

export interface ProgressSnapshot {
  filesDone: number;
  filesFailed: number;
  filesTotal: number;
  bytes: number;
  bytesPerSecond: number;
  /** Transfers under way, with the bytes each has moved: a stuck one shows as a number that stops. */
  inFlight: Array<{ instance: string; file: string; bytes: number }>;
}

/**
 * Something the pass is waiting on, and since when. `collection` and `destination` are long by
 * nature and announced when they start; the others are usually short and are worth a line only
 * once they have lasted.
 */
export type Wait =
  | { kind: 'destination'; location: string; deadlineMs?: number; since: number }
  | { kind: 'collection'; instanceId: string; replicas: number; waitSeconds: number; since: number }
  | { kind: 'listing'; instanceId: string; since: number }
  | { kind: 'first-byte'; instanceId: string; fileName: string; since: number };

/** Folds core events into the figures of a progress line and the waits under way. */
export class Progress {
  private readonly startedAt: number;
  private filesTotal = 0;
  private filesDone = 0;
  private filesFailed = 0;
  private bytes = 0;
  private readonly inFlight = new Map<string, { instance: string; file: string; bytes: number }>();
  private readonly open = new Map<string, Wait>();

  constructor(private readonly now: () => number) {
    this.startedAt = now();
  }

  handle(event: ArchiverEvent): void {
    switch (event.type) {
      case 'store-check-started':
        this.open.set('destination', { kind: 'destination', location: event.location, ...(event.deadlineMs === undefined ? {} : { deadlineMs: event.deadlineMs }), since: this.now() });
        break;
      case 'store-check-finished':
        this.open.delete('destination');
        break;
      case 'instance-started':
        this.open.set(`listing ${event.instanceId}`, { kind: 'listing', instanceId: event.instanceId, since: this.now() });
        break;
      case 'instance-surveyed':
        this.open.delete(`listing ${event.instanceId}`);
        break;
      case 'collection-wait-started':
        this.open.set(`collection ${event.instanceId}`, { kind: 'collection', instanceId: event.instanceId, replicas: event.replicas, waitSeconds: event.waitSeconds, since: this.now() });
        break;
      case 'collection-wait-finished':
        this.open.delete(`collection ${event.instanceId}`);
        break;
      case 'instance-failed':
        // A failed survey never reports itself done.
        this.open.delete(`listing ${event.instanceId}`);
        break;
      case 'instance-planned':
        this.filesTotal += event.archive;
        break;
      case 'file-started': {
        const id = `${event.instanceId}/${event.fileName}`;
        this.inFlight.set(id, { instance: event.instanceId, file: event.fileName, bytes: 0 });
        this.open.set(`first-byte ${id}`, { kind: 'first-byte', instanceId: event.instanceId, fileName: event.fileName, since: this.now() });
        break;
      }
      case 'file-bytes': {
        const id = `${event.instanceId}/${event.fileName}`;
        const entry = this.inFlight.get(id) ?? { instance: event.instanceId, file: event.fileName, bytes: 0 };
        entry.bytes += event.bytes;
        this.inFlight.set(id, entry);
        this.bytes += event.bytes;
        this.open.delete(`first-byte ${id}`);
        break;
      }
      case 'file-archived':
        this.filesDone += 1;
        this.settle(`${event.instanceId}/${event.fileName}`);
        break;
      case 'file-failed':
        this.filesFailed += 1;
        this.settle(`${event.instanceId}/${event.fileName}`);
        break;
      case 'retry': {
        // A retried transfer starts over; its bytes so far are not progress, and it waits for its first byte again.
        const entry = this.inFlight.get(event.scope);
        if (entry) {
          this.bytes -= entry.bytes;
          entry.bytes = 0;
          this.open.set(`first-byte ${event.scope}`, { kind: 'first-byte', instanceId: entry.instance, fileName: entry.file, since: this.now() });
        }
        break;
      }
      default:
        break;
    }
  }

  private settle(id: string): void {
    this.inFlight.delete(id);
    this.open.delete(`first-byte ${id}`);
  }

  snapshot(now: number): ProgressSnapshot {
    const seconds = Math.max(0.001, (now - this.startedAt) / 1000);
    return {
      filesDone: this.filesDone,
      filesFailed: this.filesFailed,
      filesTotal: this.filesTotal,
      bytes: this.bytes,
      bytesPerSecond: Math.round(this.bytes / seconds),
      inFlight: [...this.inFlight.values()].map((e) => ({ ...e })),
    };
  }

  /** The waits under way that have lasted at least `atLeastMs`, oldest first. */
  waits(now: number, atLeastMs: number): Wait[] {
    return [...this.open.values()].filter((w) => now - w.since >= atLeastMs).sort((a, b) => a.since - b.since);
  }
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function progressLine(s: ProgressSnapshot): string {
  const failed = s.filesFailed > 0 ? `, ${s.filesFailed} failed` : '';
  return `${s.filesDone}/${s.filesTotal} files${failed}, ${formatBytes(s.bytes)} at ${formatBytes(s.bytesPerSecond)}/s, ${s.inFlight.length} in flight`;
}
