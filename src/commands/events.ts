import type { Logger } from 'pino';
import { ConfigError } from '../errors.js';
import { readArchiveEvents, type EventsProblem } from '../read/archive-events.js';
import { EventSummary, summaryJson, summaryText } from '../read/event-summary.js';
import type { EventFilter } from '../read/event-timeline.js';
import { mismatchMessage } from '../read/format.js';
import type { Sink } from '../read/ordered-output.js';
import { resolveInstances, selectFiles } from '../read/select.js';
import { parseWindow } from '../read/window.js';
import { EVENT_KINDS, type RedisEventKind } from '../redis-log/events.js';
import { EXIT_FAILED, EXIT_OK, type Command } from './command.js';
import { withReader } from './reader.js';

export const eventsCommand: Command = {
  name: 'events',
  summary: 'Redis server events from the archived logs: a timeline, or counts per instance, replica and kind',
  flags: ['config', 'set', 'instance', 'since', 'until', 'kind', 'summary', 'json'],
  examples: [
    'events --instance orders-cache --since 2026-11-14T02:00 --until 2026-11-14T03:00',
    'events --summary --since 2026-11-01',
    'events --kind role-change --kind replica-sync-failed --json',
  ],
  exitCodes: `Output: the timeline, one event a line, "{time} {instance}/{replica} {kind} {message}", read from the
objects in file order and verified as they stream; with --json one JSON object per line here
(instanceId, instanceName, replicationIp, date, fileName, time, kind, message), not one document.
--summary: count, first and last time per instance, replica and kind, from the records (a record
written before events were counted, or a window with a time of day, reads its object); with
--json one document.
Kinds (--kind K, repeatable): ${EVENT_KINDS.join(', ')}.
Exit codes: 0 done (also when there are no events); 1 a file missing or unreadable, or an object
whose SHA-256 does not match its record (named on stderr; the rest is still read; its events
already printed came from the altered object); 2 usage or configuration error, before any network call.`,
  writesData: () => true,
  async run(ctx) {
    const { flags, io, logger } = ctx;
    const window = parseWindow(flags);
    const kinds = parseKinds(flags.kind);
    const filter: EventFilter = { window, ...(kinds ? { kinds } : {}) };
    const json = flags.json ?? false;
    return withReader(ctx, EXIT_FAILED, async ({ config, store, signal }) => {
      const instances = await resolveInstances(store, flags.instance ?? [], config.instances, signal);
      const summary = flags.summary ? new EventSummary(kinds) : undefined;
      const { failed } = await readArchiveEvents({
        store,
        selected: selectFiles(store, instances, { window }, signal),
        filter,
        // The one limit on objects read at once, as for search.
        concurrency: config.archive.concurrency,
        json,
        ...(summary ? { summary } : {}),
        out: io.stdout,
        onProblem: (problem) => reportProblem(logger, problem),
        signal,
      });
      if (summary) await write(io.stdout, json ? summaryJson(summary.result()) : summaryText(summary.result()));
      return failed > 0 ? EXIT_FAILED : EXIT_OK;
    });
  },
};

/** `--kind` values as a set, checked against EVENT_KINDS before anything is read. */
export function parseKinds(values: readonly string[] | undefined): ReadonlySet<RedisEventKind> | undefined {
  if (!values || values.length === 0) return undefined;
  const known = new Set<string>(EVENT_KINDS);
  const unknown = values.filter((value) => !known.has(value));
  if (unknown.length > 0) throw new ConfigError('--kind', `${unknown.map((u) => JSON.stringify(u)).join(', ')} is no event kind; allowed: ${EVENT_KINDS.join(', ')}`);
  return new Set(values as RedisEventKind[]);
}

function reportProblem(logger: Logger, problem: EventsProblem): void {
  if (problem.kind === 'unreadable') {
    logger.error({ instance: problem.instanceId }, `not read: ${problem.detail}`);
    return;
  }
  const { outcome, streamed } = problem;
  if (outcome.kind === 'missing') {
    logger.error({ key: outcome.key }, `object missing: ${outcome.key}, named by its record; not read`);
    return;
  }
  const base = mismatchMessage(outcome.key, outcome.expected.sha256, outcome.digest.sha256, outcome.digest.corrupt);
  const tail = streamed ? '; the events of it already printed came from the altered object: do not trust them' : '; not counted';
  logger.error({ key: outcome.key, expected: outcome.expected.sha256, actual: outcome.digest.sha256 || undefined }, `${base}${tail}`);
}

async function write(out: Sink, data: string): Promise<void> {
  if (!out.write(data)) await new Promise<void>((resolve) => out.once('drain', resolve));
}
