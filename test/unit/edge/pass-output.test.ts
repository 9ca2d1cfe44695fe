import { describe, expect, it } from 'vitest';
import type { ArchiverEvent } from '../../../src/events.js';
import { createLogger } from '../../../src/log.js';
import { REMIND_EVERY_MS, startPassOutput, type Timers } from '../../../src/pass-output.js';
import { createTerminal } from '../../../src/terminal.js';
import { Screen } from '../../support/screen.js';

const ID = '5c597ce5-9823-48aa-bf4d-2defb9385b4a';

/** A clock and timers that move only when told to. */
function manualTime() {
  let now = 1_000_000;
  const timers: Array<{ ms: number; next: number; fn: () => void; stopped: boolean }> = [];
  const every: Timers['every'] = (ms, fn) => {
    const timer = { ms, next: now + ms, fn, stopped: false };
    timers.push(timer);
    return () => {
      timer.stopped = true;
    };
  };
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const due = timers.filter((t) => !t.stopped && t.next <= end).sort((a, b) => a.next - b.next)[0];
      if (!due) break;
      now = due.next;
      due.next += due.ms;
      due.fn();
    }
    now = end;
  };
  return { now: () => now, timers: { every }, advance };
}

async function setUp({ pretty, live }: { pretty: boolean; live: boolean }) {
  const screen = new Screen();
  const stderr = screen.stream(200);
  const terminal = createTerminal(stderr, { live });
  const logger = await createLogger({ pretty, secrets: [], destination: stderr, terminal });
  const time = manualTime();
  const output = startPassOutput({ logger, pretty, terminal, now: time.now, timers: time.timers });
  const visible = () => screen.lines.filter((l) => l !== '');
  return { screen, output, time, visible, events: (events: ArchiverEvent[]) => events.forEach((e) => output.handle(e)) };
}

describe('what a pass shows while it waits', () => {
  it('says when the collection wait starts and again about every 10 s, by the instance name, until it ends', async () => {
    const { output, time, visible, events } = await setUp({ pretty: true, live: false });
    events([
      { type: 'instance-started', instanceId: ID, instanceName: 'orders-cache' },
      { type: 'instance-surveyed', instanceId: ID, listed: 3 },
      { type: 'collection-wait-started', instanceId: ID, replicas: 2, waitSeconds: 300 },
    ]);
    expect(visible()).toEqual([expect.stringMatching(/INFO: orders-cache: waiting for the run logs collected from 2 replica\(s\) \(at most 300 s\)$/)]);
    time.advance(25_000);
    expect(visible().slice(1)).toEqual([
      expect.stringMatching(/orders-cache: still waiting for the run logs collected from 2 replica\(s\): 10 s of at most 300 s$/),
      expect.stringMatching(/orders-cache: still waiting for the run logs collected from 2 replica\(s\): 20 s of at most 300 s$/),
    ]);
    events([{ type: 'collection-wait-finished', instanceId: ID, timedOut: false }]);
    time.advance(30_000);
    expect(visible()).toHaveLength(3);
    expect(visible().join('\n')).not.toContain(ID);
    output.stop();
  });

  it('mentions a listing or a transfer without bytes only once it has lasted 10 s', async () => {
    const { output, time, visible, events } = await setUp({ pretty: true, live: false });
    events([
      { type: 'instance-started', instanceId: ID, instanceName: 'orders-cache' },
      { type: 'instance-started', instanceId: 'quick', instanceName: 'sessions' },
    ]);
    time.advance(5_000);
    events([
      { type: 'instance-surveyed', instanceId: 'quick', listed: 1 },
      { type: 'file-started', instanceId: 'quick', fileName: 'a.log', logId: 'l1' },
      { type: 'file-started', instanceId: 'quick', fileName: 'b.log', logId: 'l2' },
    ]);
    time.advance(1_000);
    events([{ type: 'file-bytes', instanceId: 'quick', fileName: 'a.log', bytes: 10 }]);
    time.advance(14_000);
    expect(visible()).toEqual([
      expect.stringMatching(/orders-cache: still listing run logs and reading records: 10 s so far$/),
      expect.stringMatching(/INFO: progress: 0\/0 files, 10 B at 1 B\/s, 2 in flight$/),
      expect.stringMatching(/sessions b\.log: no bytes yet after 10 s$/),
      expect.stringMatching(/orders-cache: still listing run logs and reading records: 20 s so far$/),
      expect.stringMatching(/INFO: progress: /),
    ]);
    output.stop();
  });

  it('sums up in one line many waits of one kind that are due at once', async () => {
    const { output, time, screen, events } = await setUp({ pretty: false, live: false });
    for (let i = 0; i < 5; i++) events([{ type: 'collection-wait-started', instanceId: `i-${i}`, replicas: 1, waitSeconds: 300 }]);
    events([{ type: 'collection-wait-started', instanceId: 'late', replicas: 1, waitSeconds: 300 }]);
    time.advance(REMIND_EVERY_MS);
    const reminders = screen.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'still waiting');
    expect(reminders).toEqual([expect.objectContaining({ wait: 'collection', count: 6, seconds: 10 })]);
    output.stop();
  });

  it('reminds of a slow destination in JSON with the fields a query needs', async () => {
    const { output, time, screen, events } = await setUp({ pretty: false, live: false });
    events([{ type: 'store-check-started', location: 's3://bucket/prefix/', deadlineMs: 30_000 }]);
    time.advance(REMIND_EVERY_MS);
    const lines = screen.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.msg)).toEqual(['waiting for the destination s3://bucket/prefix/ (at most 30 s)', 'still waiting']);
    expect(lines[1]).toMatchObject({ level: 'info', wait: 'destination', location: 's3://bucket/prefix/', deadlineMs: 30_000, seconds: 10 });
    events([{ type: 'store-check-finished', location: 's3://bucket/prefix/', ok: true }]);
    time.advance(REMIND_EVERY_MS);
    expect(screen.lines.filter((l) => l.startsWith('{'))).toHaveLength(2);
    output.stop();
  });

  it('on a terminal keeps the status line last, below every log line, and wipes it at the end', async () => {
    const { output, time, screen, events } = await setUp({ pretty: true, live: true });
    events([
      { type: 'instance-started', instanceId: ID, instanceName: 'orders-cache' },
      { type: 'instance-surveyed', instanceId: ID, listed: 2 },
      { type: 'instance-planned', instanceId: ID, archive: 2, skip: {}, probes: 0 },
      { type: 'file-started', instanceId: ID, fileName: 'a.log', logId: 'l1' },
      { type: 'file-started', instanceId: ID, fileName: 'b.log', logId: 'l2' },
      { type: 'file-bytes', instanceId: ID, fileName: 'a.log', bytes: 2048 },
    ]);
    time.advance(1_000);
    expect(screen.lines.at(-1)).toBe('0/2 files, 2.0 KiB at 2.0 KiB/s, 2 in flight');
    events([{ type: 'file-archived', instanceId: ID, fileName: 'a.log', logId: 'l1', key: 'k', bytes: 2048, storedBytes: 2048, sha256: 'x', ms: 1000, partial: false, replaced: false }]);
    expect(screen.lines.at(-2)).toMatch(/INFO: archived orders-cache a\.log: 2\.0 KiB in 1\.0 s \(2\.0 KiB\/s\)$/);
    // Drawn again below the line, already counting the file.
    expect(screen.lines.at(-1)).toBe('1/2 files, 2.0 KiB at 2.0 KiB/s, 1 in flight');
    time.advance(250);
    expect(screen.lines.at(-1)).toBe('1/2 files, 2.0 KiB at 1.6 KiB/s, 1 in flight');
    output.stop();
    expect(screen.lines.at(-1)).toBe('');
    expect(screen.lines.filter((l) => l.includes('in flight'))).toEqual([]);
  });

  it('names the wait on the status line while nothing is in flight', async () => {
    const { output, time, screen, events } = await setUp({ pretty: true, live: true });
    events([
      { type: 'instance-started', instanceId: ID, instanceName: 'orders-cache' },
      { type: 'instance-surveyed', instanceId: ID, listed: 2 },
      { type: 'collection-wait-started', instanceId: ID, replicas: 1, waitSeconds: 300 },
    ]);
    time.advance(3_000);
    expect(screen.lines.at(-1)).toBe("0/0 files, 0 B at 0 B/s, 0 in flight; waiting for orders-cache's collected run logs (3 s)");
    output.stop();
  });
});
