import type { Logger } from 'pino';
import { InstanceNames, logEvent } from './event-log.js';
import type { ArchiverEvent } from './events.js';
import { Progress, progressLine, type Wait } from './progress.js';
import type { Terminal } from './terminal.js';

/** How often a wait that goes on is mentioned again, and how long a short one must last to be mentioned at all. */
export const REMIND_EVERY_MS = 10_000;
/** How often the waits are looked at: each is mentioned within a second of every 10 s it lasts. */
const LOOK_EVERY_MS = 1_000;
/** More waits of one kind due at once than this are mentioned in one line. */
const MAX_LINES_PER_KIND = 3;
const PLURAL: Record<Wait['kind'], string> = {
  destination: 'checks of the destination',
  collection: 'instances for their collected run logs',
  listing: 'instances for their listing and records',
  'first-byte': 'transfers for their first byte',
};
/** How often the live status line is redrawn. */
const REDRAW_EVERY_MS = 250;

export interface Timers {
  /** Calls `fn` every `ms` until the returned function is called; never keeps the process alive. */
  every(ms: number, fn: () => void): () => void;
}

export const realTimers: Timers = {
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

export interface PassOutputOptions {
  logger: Logger;
  /** Human-readable lines rather than JSON. */
  pretty: boolean;
  /** The terminal's writer: draws the live status line when it is live. */
  terminal: Terminal;
  now?: () => number;
  timers?: Timers;
}

export interface PassOutput {
  readonly names: InstanceNames;
  /** Folds the event into the progress and the names, and logs it. */
  handle(event: ArchiverEvent): void;
  /** Folds the event in without logging it (the caller logs it its own way). */
  track(event: ArchiverEvent): void;
  /** Stops the timers and wipes the status line; the pass's summary line stays. */
  stop(): void;
}

/**
 * What one pass shows while it runs: its events as log lines; on a terminal a status line
 * (files, bytes, rate, what it waits on) redrawn in place; without one a `progress` line every
 * 10 s while files are in flight; and in both, a line about every 10 s for each wait that goes on.
 */
export function startPassOutput(options: PassOutputOptions): PassOutput {
  const { logger, pretty, terminal } = options;
  const now = options.now ?? Date.now;
  const timers = options.timers ?? realTimers;
  const names = new InstanceNames();
  const progress = new Progress(now);
  const track = (event: ArchiverEvent) => {
    names.learn(event);
    progress.handle(event);
  };

  const redraw = () => {
    const at = now();
    const snapshot = progress.snapshot(at);
    const [longest] = progress.waits(at, 0);
    const waiting = longest && snapshot.inFlight.length === 0 ? `; ${waitPhrase(longest, names, at)}` : '';
    terminal.status(`${progressLine(snapshot)}${waiting}`);
  };
  // How many reminders each wait has had: one per 10 s it has lasted.
  const reminded = new WeakMap<Wait, number>();
  const remind = () => {
    const at = now();
    const due = progress.waits(at, REMIND_EVERY_MS).filter((wait) => {
      const count = Math.floor((at - wait.since) / REMIND_EVERY_MS);
      if (count <= (reminded.get(wait) ?? 0)) return false;
      reminded.set(wait, count);
      return true;
    });
    for (const kind of new Set(due.map((wait) => wait.kind))) {
      const waits = due.filter((wait) => wait.kind === kind);
      // A large fleet may have hundreds of instances waiting for collection at once: then one line says how many.
      if (waits.length > MAX_LINES_PER_KIND) {
        const longest = seconds(waits[0]!, at);
        if (pretty) logger.info(`still waiting: ${waits.length} ${PLURAL[kind]}, the longest for ${longest} s`);
        else logger.info({ wait: kind, count: waits.length, seconds: longest }, 'still waiting');
        continue;
      }
      for (const wait of waits) {
        if (pretty) logger.info(reminder(wait, names, at));
        else logger.info(reminderFields(wait, names, at), 'still waiting');
      }
    }
  };
  const report = () => {
    const snapshot = progress.snapshot(now());
    if (snapshot.inFlight.length === 0) return;
    if (pretty) logger.info(`progress: ${progressLine(snapshot)}`);
    else logger.info(snapshot, 'progress');
  };
  const stops = [timers.every(LOOK_EVERY_MS, remind), ...(terminal.live ? [timers.every(REDRAW_EVERY_MS, redraw)] : [timers.every(REMIND_EVERY_MS, report)])];

  return {
    names,
    track,
    handle(event) {
      track(event);
      // The status drawn again below this event's line already counts it.
      if (terminal.live && (event.type === 'file-archived' || event.type === 'file-failed')) redraw();
      logEvent(logger, event, { pretty, names });
    },
    stop() {
      for (const stop of stops) stop();
      terminal.clear();
    },
  };
}

const seconds = (wait: Wait, at: number) => Math.round((at - wait.since) / 1000);

/** A few words for the status line. */
function waitPhrase(wait: Wait, names: InstanceNames, at: number): string {
  switch (wait.kind) {
    case 'destination':
      return `waiting for the destination (${seconds(wait, at)} s)`;
    case 'collection':
      return `waiting for ${names.label(wait.instanceId)}'s collected run logs (${seconds(wait, at)} s)`;
    case 'listing':
      return `listing ${names.label(wait.instanceId)} (${seconds(wait, at)} s)`;
    case 'first-byte':
      return `waiting for ${names.label(wait.instanceId)} ${wait.fileName} (${seconds(wait, at)} s)`;
  }
}

/** A whole line, for the log. */
export function reminder(wait: Wait, names: InstanceNames, at: number): string {
  const s = seconds(wait, at);
  switch (wait.kind) {
    case 'destination':
      return `still waiting for the destination ${wait.location}: ${s} s${wait.deadlineMs === undefined ? '' : ` of at most ${wait.deadlineMs / 1000} s`}`;
    case 'collection':
      return `${names.label(wait.instanceId)}: still waiting for the run logs collected from ${wait.replicas} replica(s): ${s} s of at most ${wait.waitSeconds} s`;
    case 'listing':
      return `${names.label(wait.instanceId)}: still listing run logs and reading records: ${s} s so far`;
    case 'first-byte':
      return `${names.label(wait.instanceId)} ${wait.fileName}: no bytes yet after ${s} s`;
  }
}

function reminderFields(wait: Wait, names: InstanceNames, at: number): Record<string, unknown> {
  const { kind, since: _since, ...details } = wait;
  const { instanceId, ...rest } = details as typeof details & { instanceId?: string };
  const name = instanceId === undefined ? undefined : names.name(instanceId);
  return { wait: kind, ...(instanceId === undefined ? {} : { instance: instanceId }), ...(name ? { instanceName: name } : {}), ...rest, seconds: seconds(wait, at) };
}
