import { createHash } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readArchiveEvents, type EventsProblem } from '../../../src/read/archive-events.js';
import { EventSummary } from '../../../src/read/event-summary.js';
import type { Sink } from '../../../src/read/ordered-output.js';
import type { ArchivedFile, Selected } from '../../../src/read/select.js';
import type { ArchiveRecord } from '../../../src/records/record.js';
import { createFileStore } from '../../../src/store/file-store.js';
import type { BucketStore } from '../../../src/store/store.js';
import { watchEnd } from '../../support/byte-source.js';

function record(key: string, body: string): ArchiveRecord {
  const bytes = Buffer.byteLength(body);
  return {
    schemaVersion: 1,
    projectId: 'p',
    instanceId: 'i',
    logId: key,
    fileName: key,
    groupName: 'g',
    replicationIp: '10.0.0.1',
    date: '2026-11-14',
    key,
    bytes,
    storedBytes: bytes,
    sha256: createHash('sha256').update(body).digest('hex'),
    compression: 'none',
    partial: false,
    complete: true,
    archivedAt: '2026-11-15T00:00:00.000Z',
    runId: 'r',
    knownLogIds: [],
  } as ArchiveRecord;
}

/** `count` files, the first the longest, each its own events an hour apart. */
function logs(count: number): Array<{ key: string; body: string }> {
  return Array.from({ length: count }, (_, index) => {
    const lines = Array.from({ length: (count - index) * 400 }, (_, n) => `1:M 14 Nov 2026 ${String(index).padStart(2, '0')}:${String(Math.floor(n / 60) % 60).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}.000 * ${n % 2 ? 'Background saving started by pid 2' : 'DB saved on disk'}`);
    return { key: `f${index}.log`, body: `${lines.join('\n')}\n` };
  });
}

/**
 * The file store, with each object's reads held until `release` says so: reads pile up as the
 * limit allows, and the later files can be made to finish first.
 */
function gatedStore(inner: BucketStore) {
  let inFlight = 0;
  let most = 0;
  const gates = new Map<string, () => void>();
  const waiting = new Map<string, Promise<void>>();
  const store: BucketStore = {
    ...inner,
    read: async (key, signal) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await (waiting.get(key) ?? Promise.resolve());
      const source = await inner.read(key, signal);
      return source && watchEnd(source, () => inFlight--);
    },
  };
  return {
    store,
    hold: (key: string) => waiting.set(key, new Promise<void>((resolve) => gates.set(key, resolve))),
    release: (key: string) => gates.get(key)?.(),
    most: () => most,
  };
}

function sink(): Sink & { text: () => string } {
  let text = '';
  return { write: (data) => ((text += data.toString()), true), once: () => undefined, text: () => text };
}

async function* selection(files: ArchivedFile[]): AsyncIterable<Selected> {
  for (const file of files) yield { kind: 'file', file };
}

describe('readArchiveEvents', () => {
  it('reads objects under the limit at once and prints the timeline in selection order, however they finish', async () => {
    const inner = createFileStore({ root: await mkdtemp(join(tmpdir(), 'archiver-events-')), createRoot: true });
    const files = logs(6);
    for (const { key, body } of files) await inner.put(key, body);
    const archived = files.map(({ key, body }) => ({ record: record(key, body), instanceName: 'cache' }));
    const gated = gatedStore(inner);
    gated.hold('f0.log');
    const out = sink();
    const problems: EventsProblem[] = [];
    const reading = readArchiveEvents({ store: gated.store, selected: selection(archived), filter: { window: {} }, concurrency: 3, json: false, out, onProblem: (p) => problems.push(p) });
    // The first file waits; the next two are read meanwhile, and the limit holds the rest back.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(gated.most()).toBe(3);
    expect(out.text()).toBe('');
    gated.release('f0.log');
    expect(await reading).toEqual({ failed: 0 });
    expect(problems).toEqual([]);

    const hours = out
      .text()
      .split('\n')
      .filter(Boolean)
      .map((line) => line.slice(11, 13));
    expect(hours).toEqual(files.flatMap((_, index) => Array<string>((files.length - index) * 200).fill(String(index).padStart(2, '0'))));
  });

  it('adds up the files it reads under the limit, and counts a missing object as failed', async () => {
    const inner = createFileStore({ root: await mkdtemp(join(tmpdir(), 'archiver-events-')), createRoot: true });
    const files = logs(4);
    for (const { key, body } of files.slice(1)) await inner.put(key, body);
    const summary = new EventSummary();
    const problems: EventsProblem[] = [];
    const result = await readArchiveEvents({
      store: inner,
      selected: selection(files.map(({ key, body }) => ({ record: record(key, body) }))),
      filter: { window: {} },
      concurrency: 2,
      json: false,
      summary,
      out: sink(),
      onProblem: (p) => problems.push(p),
    });
    expect(result).toEqual({ failed: 1 });
    expect(problems.map((p) => (p.kind === 'content' ? p.outcome.kind : p.kind))).toEqual(['missing']);
    expect(summary.result().map(({ kind, count, first, last }) => ({ kind, count, first, last }))).toEqual([
      { kind: 'rdb-save-started', count: (3 + 2 + 1) * 200, first: '2026-11-14T01:00:01.000Z', last: '2026-11-14T03:06:39.000Z' },
    ]);
  });
});
