import { describe, expect, it } from 'vitest';
import { buildTemplate } from '../../../sim/content.js';
import { EVENT_KINDS, LogEventReader, type RedisEventKind } from '../../../src/redis-log/events.js';
import { parseLogLine } from '../../../src/redis-log/line.js';

function kindsIn(text: string): Record<string, number> {
  const reader = new LogEventReader(2026);
  const counts: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const event = reader.read(line);
    if (event) counts[event.kind] = (counts[event.kind] ?? 0) + 1;
  }
  return counts;
}

describe('the simulator’s generated log text', () => {
  const texts = [1, 2, 3].map((seed) => buildTemplate(seed, '2026-11-14').toString('utf8'));

  it('is made only of lines the parser reads as Redis log lines', () => {
    for (const text of texts) {
      const unread = text.trimEnd().split('\n').filter((line) => parseLogLine(line, 2026) === undefined);
      expect(unread).toEqual([]);
    }
  });

  it('shows every event kind a healthy fleet logs, each episode counted once', () => {
    const counts = kindsIn(texts.join('\n'));
    const generated: RedisEventKind[] = ['role-change', 'replica-sync-started', 'replica-sync-succeeded', 'replica-sync-failed', 'rdb-save-started', 'rdb-save-finished', 'aof-rewrite-started', 'aof-rewrite-finished', 'memory-warning', 'latency-warning', 'startup', 'shutdown', 'config-rewrite'];
    expect(Object.keys(counts).sort()).toEqual([...generated].sort());
    expect(EVENT_KINDS.filter((kind) => !generated.includes(kind))).toEqual(['rdb-save-failed', 'aof-rewrite-failed', 'crash']);
    // Pairs the episodes write together.
    expect(counts['rdb-save-started']).toBe(counts['rdb-save-finished']);
    expect(counts['aof-rewrite-started']).toBe(counts['aof-rewrite-finished']);
    expect(counts.startup).toBe(counts.shutdown);
    expect(counts['replica-sync-started']).toBe(counts['replica-sync-succeeded']! + counts['replica-sync-failed']!);
  });
});
