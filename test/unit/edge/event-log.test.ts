import { describe, expect, it } from 'vitest';
import { InstanceNames, logEvent } from '../../../src/event-log.js';
import type { ArchiverEvent } from '../../../src/events.js';
import { createLogger } from '../../../src/log.js';

const ID = '5c597ce5-9823-48aa-bf4d-2defb9385b4a';
const ARCHIVED: ArchiverEvent = {
  type: 'file-archived',
  instanceId: ID,
  fileName: 'redis_10.0.0.10_2025-03-09.log',
  logId: 'log-1',
  key: `${ID}/2025-03-09/redis_10.0.0.10_2025-03-09.log`,
  bytes: 3 * 1024 * 1024,
  storedBytes: 3 * 1024 * 1024,
  sha256: 'ab'.repeat(32),
  ms: 1500,
  partial: false,
  replaced: false,
};

function sink(isTTY: boolean) {
  const written: string[] = [];
  return { written, stream: { isTTY, write: (text: string) => (written.push(text), true) } as unknown as NodeJS.WritableStream & { isTTY: boolean } };
}

function named(): InstanceNames {
  const names = new InstanceNames();
  names.learn({ type: 'instance-started', instanceId: ID, instanceName: 'orders-cache' });
  return names;
}

describe('log lines of events', () => {
  it('prints one human-readable line per archived file: instance name, file, size, time and rate', async () => {
    const { written, stream } = sink(false);
    const logger = await createLogger({ pretty: true, secrets: [], destination: stream });
    logEvent(logger, ARCHIVED, { pretty: true, names: named() });
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: archived orders-cache redis_10\.0\.0\.10_2025-03-09\.log: 3\.0 MiB in 1\.5 s \(2\.0 MiB\/s\)\n$/);
    expect(written[0]).not.toContain(ID);
  });

  it('keeps the JSON line a query matches on, with the id and the name', async () => {
    const { written, stream } = sink(false);
    const logger = await createLogger({ pretty: false, secrets: [], destination: stream });
    logEvent(logger, ARCHIVED, { pretty: false, names: named() });
    expect(JSON.parse(written[0]!)).toMatchObject({ level: 'info', msg: 'archived', instance: ID, instanceName: 'orders-cache', file: ARCHIVED.fileName, bytes: 3 * 1024 * 1024, ms: 1500 });
  });

  it('names the instance of a retried transfer', async () => {
    const { written, stream } = sink(false);
    const logger = await createLogger({ pretty: true, secrets: [], destination: stream });
    logEvent(logger, { type: 'retry', scope: `${ID}/a.log`, instanceId: ID, attempt: 2, delayMs: 1500, reason: 'download.http-503' }, { pretty: true, names: named() });
    expect(written[0]).toMatch(/WARN: retrying orders-cache\/a\.log in 1\.5 s \(attempt 2\): download\.http-503\n$/);
  });

  it('ends a pass with one summary line', async () => {
    const { written, stream } = sink(false);
    const logger = await createLogger({ pretty: true, secrets: [], destination: stream });
    logEvent(logger, { type: 'pass-finished', runId: 'r', result: 'partial', archived: 20, skipped: 3, failed: 1, deferred: 0, bytes: 2 * 1024 * 1024, ms: 4000, daysAtRisk: 0 }, { pretty: true });
    expect(written).toEqual([expect.stringMatching(/ERROR: pass finished, partial: 20 archived \(2\.0 MiB, 512\.0 KiB\/s\), 3 skipped, 1 failed in 4\.0 s\n$/)]);
  });

  it('colours human-readable lines only when their own destination is a terminal', async () => {
    const terminal = sink(true);
    const piped = sink(false);
    for (const { stream } of [terminal, piped]) logEvent(await createLogger({ pretty: true, secrets: [], destination: stream }), ARCHIVED, { pretty: true });
    expect(terminal.written[0]).toContain('\x1b[');
    expect(piped.written[0]).not.toContain('\x1b[');
  });
});
