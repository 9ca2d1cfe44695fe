/**
 * The events parser on real Redis logs: a master and a replica of redis-server are driven
 * through the events it counts (test/support/redis-logs.ts), and what it finds in their log
 * files must be exactly what was caused, when it was caused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogEventReader, type RedisEvent } from '../../src/redis-log/events.js';
import { EventTally } from '../../src/redis-log/tally.js';
import { captureRedisLogs, type CapturedRedisLogs, type RedisNode } from '../support/redis-logs.js';

let captured: CapturedRedisLogs;

beforeAll(async () => {
  captured = await captureRedisLogs();
}, 60_000);

afterAll(async () => {
  await captured?.remove();
});

function eventsOf(node: RedisNode): RedisEvent[] {
  const reader = new LogEventReader(new Date().getUTCFullYear());
  return captured.logs[node].toString('utf8').split('\n').flatMap((line) => reader.read(line) ?? []);
}

/** The window an event of an action must fall in; a signal handler's line has whole seconds only. */
function within(event: RedisEvent, startMs: number, endMs: number): boolean {
  return event.timeMs >= Math.floor(startMs / 1000) * 1000 && event.timeMs <= endMs;
}

describe.each(['master', 'replica'] as const)('the events in the real log of the %s', (node) => {
  it('include every event its actions caused, timed inside the action', () => {
    const events = eventsOf(node);
    const actions = captured.actions.filter((a) => a.node === node);
    expect(actions.length).toBeGreaterThan(3);
    for (const action of actions) {
      for (const kind of action.kinds) {
        const found = events.filter((e) => e.kind === kind && within(e, action.startMs, action.endMs));
        expect(found.length, `${kind} caused by ${action.name} on the ${node} (redis ${captured.version})`).toBeGreaterThan(0);
      }
    }
  });

  it('hold nothing that no action caused', () => {
    const actions = captured.actions.filter((a) => a.node === node);
    const uncaused = eventsOf(node).filter((e) => !actions.some((a) => a.kinds.includes(e.kind) && within(e, a.startMs, a.endMs)));
    expect(uncaused).toEqual([]);
  });

  it('are counted by the archive-time tally as the line-by-line read counts them, in any chunking', () => {
    const bytes = captured.logs[node];
    const year = new Date().getUTCFullYear();
    const expected: Record<string, number> = {};
    for (const event of eventsOf(node)) expected[event.kind] = (expected[event.kind] ?? 0) + 1;
    for (const chunk of [1, 7, 100, 64 * 1024]) {
      const tally = new EventTally(year);
      for (let at = 0; at < bytes.length; at += chunk) tally.push(bytes.subarray(at, at + chunk));
      const counts = tally.counts();
      expect(Object.fromEntries(Object.entries(counts).map(([kind, c]) => [kind, c!.count])), `chunks of ${chunk} B`).toEqual(expected);
    }
  });
});

describe('the scenario on the master', () => {
  it('counts one start, one shutdown, one watchdog report and three role changes', () => {
    const counts: Record<string, number> = {};
    for (const event of eventsOf('master')) counts[event.kind] = (counts[event.kind] ?? 0) + 1;
    expect(counts).toMatchObject({ startup: 1, shutdown: 1, 'latency-warning': 1, 'memory-warning': 1, 'role-change': 3, 'rdb-save-started': 1, 'rdb-save-finished': 1, 'aof-rewrite-started': 1, 'aof-rewrite-finished': 1, 'replica-sync-succeeded': 1 });
    expect(counts['replica-sync-failed']).toBeGreaterThanOrEqual(1);
  });
});
