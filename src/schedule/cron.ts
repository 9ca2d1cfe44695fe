import { createTask, parse, type ScheduledTask } from 'node-cron';

/**
 * When a cron expression fires in a time zone, computed on wall-clock times so that daylight
 * saving neither skips nor doubles a pass: a wall time that occurs twice (clocks go back)
 * fires once, at its first occurrence; wall times that do not exist (clocks go forward) fire
 * once, at the moment of the jump. Firings are strictly increasing instants.
 *
 * node-cron parses and matches the expression (its own semantics, including `L` and `#`);
 * matching is done in UTC on wall-clock fields, so it never sees a time zone.
 */
export interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export class CronSchedule {
  private readonly matcher: ScheduledTask;
  private readonly hours: number[];
  private readonly minutes: number[];
  private readonly seconds: number[];

  constructor(
    readonly expression: string,
    readonly timeZone: string,
  ) {
    const fields = parse(expression);
    this.hours = [...fields.hour].sort((a, b) => a - b);
    this.minutes = [...fields.minute].sort((a, b) => a - b);
    this.seconds = [...fields.second].sort((a, b) => a - b);
    this.matcher = createTask(expression, () => undefined, { timezone: 'UTC' });
  }

  /** The first wall time strictly after `after` that the expression matches (looks ahead up to 5 years). */
  nextWall(after: Wall): Wall | undefined {
    const start = Date.UTC(after.year, after.month - 1, after.day);
    for (let dayOffset = 0; dayOffset < 366 * 5; dayOffset++) {
      const date = new Date(start + dayOffset * 86_400_000);
      const day = { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
      for (const hour of this.hours) {
        for (const minute of this.minutes) {
          for (const second of this.seconds) {
            const wall = { ...day, hour, minute, second };
            if (compareWall(wall, after) <= 0) continue;
            if (this.matcher.match(new Date(wallAsUtc(wall)))) return wall;
          }
        }
      }
    }
    return undefined;
  }

  /**
   * The next firing after the wall time `after` whose instant is later than `notBefore` (the
   * previous firing): wall times in a gap share the instant of the jump and fire once.
   */
  next(after: Wall, notBefore?: Date): { wall: Wall; at: Date } | undefined {
    let wall = this.nextWall(after);
    while (wall) {
      const at = wallToInstant(wall, this.timeZone);
      if (!notBefore || at > notBefore) return { wall, at };
      wall = this.nextWall(wall);
    }
    return undefined;
  }

  /** Every firing from `from` (exclusive) to `to` (inclusive): the table DST tests read. */
  between(from: Date, to: Date): Date[] {
    const out: Date[] = [];
    let wall = wallAt(from, this.timeZone);
    let last = from;
    for (;;) {
      const next = this.next(wall, last);
      if (!next || next.at > to) return out;
      out.push(next.at);
      wall = next.wall;
      last = next.at;
    }
  }

  dispose(): void {
    void this.matcher.destroy();
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock time of an instant in a zone. */
export function wallAt(instant: Date, timeZone: string): Wall {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

function wallAsUtc(wall: Wall): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
}

function offsetAt(instantMs: number, timeZone: string): number {
  return wallAsUtc(wallAt(new Date(instantMs), timeZone)) - Math.floor(instantMs / 1000) * 1000;
}

/**
 * The instant a wall time happens at: the earlier one when it happens twice, and, when it does
 * not happen at all, the instant it would have had with the offset from before the jump.
 */
export function wallToInstant(wall: Wall, timeZone: string): Date {
  const asUtc = wallAsUtc(wall);
  const before = asUtc - offsetAt(asUtc - 86_400_000 / 2, timeZone);
  const after = asUtc - offsetAt(asUtc + 86_400_000 / 2, timeZone);
  const candidates = [before, after].filter((t) => wallAsUtc(wallAt(new Date(t), timeZone)) === asUtc).sort((a, b) => a - b);
  if (candidates[0] !== undefined) return new Date(candidates[0]);
  // In a gap: the first instant whose wall time is past `wall`, i.e. the moment the clocks jump.
  let low = Math.min(before, after);
  let high = Math.max(before, after);
  while (high - low > 1000) {
    const mid = Math.floor((low + high) / 2000) * 1000;
    if (wallAsUtc(wallAt(new Date(mid), timeZone)) > asUtc) high = mid;
    else low = mid;
  }
  return new Date(high);
}

export function compareWall(a: Wall, b: Wall): number {
  return wallAsUtc(a) - wallAsUtc(b);
}

export function formatWall(wall: Wall): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${wall.year}-${pad(wall.month)}-${pad(wall.day)} ${pad(wall.hour)}:${pad(wall.minute)}:${pad(wall.second)}`;
}
