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

/** Folds core events into the figures of a progress line. */
export class Progress {
  private filesTotal = 0;
  private filesDone = 0;
  private filesFailed = 0;
  private bytes = 0;
  private readonly inFlight = new Map<string, { instance: string; file: string; bytes: number }>();

  constructor(private readonly startedAt: number) {}

  handle(event: ArchiverEvent): void {
    switch (event.type) {
      case 'instance-planned':
        this.filesTotal += event.archive;
        break;
      case 'file-bytes': {
        const id = `${event.instanceId}/${event.fileName}`;
        const entry = this.inFlight.get(id) ?? { instance: event.instanceId, file: event.fileName, bytes: 0 };
        entry.bytes += event.bytes;
        this.inFlight.set(id, entry);
        this.bytes += event.bytes;
        break;
      }
      case 'file-archived':
        this.filesDone += 1;
        this.inFlight.delete(`${event.instanceId}/${event.fileName}`);
        break;
      case 'file-failed':
        this.filesFailed += 1;
        this.inFlight.delete(`${event.instanceId}/${event.fileName}`);
        break;
      case 'retry': {
        // A retried transfer starts over; its bytes so far are not progress.
        const entry = this.inFlight.get(event.scope);
        if (entry) {
          this.bytes -= entry.bytes;
          entry.bytes = 0;
        }
        break;
      }
      default:
        break;
    }
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
