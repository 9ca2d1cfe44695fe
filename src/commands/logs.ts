import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError } from '../errors.js';
import { readContent, type ContentOutcome } from '../read/content.js';
import { fileLabel, mismatchMessage } from '../read/format.js';
import { readLines } from '../read/lines.js';
import type { Sink } from '../read/ordered-output.js';
import { resolveInstances, selectFiles, type ArchivedFile } from '../read/select.js';
import { hasLineBounds, lineWindow, parseWindow, type Window } from '../read/window.js';
import type { BucketStore } from '../store/store.js';
import { EXIT_FAILED, EXIT_OK, type Command } from './command.js';
import { withReader } from './reader.js';

export const logsCommand: Command = {
  name: 'logs',
  summary: 'the archived logs on stdout, day by day, decompressed and verified against their SHA-256',
  flags: ['config', 'set', 'instance', 'date', 'since', 'until', 'replica', 'output'],
  examples: [
    'logs --instance orders-cache --since 2026-11-14T02:00 --until 2026-11-14T03:00',
    'logs --instance orders-cache --date 2026-11-14 --replica 192.168.0.12',
    'logs --instance orders-cache --since 2026-11-01 --output ./incident',
  ],
  exitCodes: `Exit codes: 0 every file read and verified; 1 a file missing or unreadable, or an object whose
SHA-256 does not match its record (stdout then stops: the bytes of it already written came
from the altered object); 2 usage or configuration error, before any network call.`,
  writesData: (flags) => flags.output === undefined,
  async run(ctx) {
    const { flags, io, logger } = ctx;
    const window = parseWindow(flags);
    if (flags.output !== undefined && hasLineBounds(window)) {
      throw new ConfigError('--output', 'writes whole files; allowed with days only (--date, or --since/--until without a time)');
    }
    const outputDir = flags.output === undefined ? undefined : resolve(io.cwd, flags.output);
    return withReader(ctx, EXIT_FAILED, async ({ config, store, signal }) => {
      const instances = await resolveInstances(store, flags.instance ?? [], config.instances, signal);
      let files = 0;
      let failed = 0;
      for await (const item of selectFiles(store, instances, { window, ...(flags.replica ? { replica: flags.replica } : {}) }, signal)) {
        if (item.kind === 'problem') {
          failed++;
          logger.error({ instance: item.instanceId }, `not read: ${item.detail}`);
          continue;
        }
        files++;
        const file = item.file;
        const outcome = outputDir ? await toDirectory(store, file, outputDir, signal) : await toStdout(store, file, window, io.stdout, signal);
        if (outcome.kind === 'verified') {
          logger.debug({ key: file.record.key, bytes: outcome.digest.bytes }, `read ${fileLabel(file)}`);
          continue;
        }
        failed++;
        if (outcome.kind === 'missing') {
          logger.error({ key: outcome.key }, `object missing: ${outcome.key}, named by its record; not read`);
          continue;
        }
        reportMismatch(logger, outcome, outputDir === undefined);
        // Bytes of an altered object are already out: stop rather than carry on as if the rest were fine.
        if (!outputDir) return EXIT_FAILED;
      }
      if (files === 0 && failed === 0) logger.warn({ instances: instances.map((i) => i.name ?? i.id) }, 'no archived file matches the instances, days and replica asked for');
      return failed > 0 ? EXIT_FAILED : EXIT_OK;
    });
  },
};

function reportMismatch(logger: Logger, outcome: Extract<ContentOutcome, { kind: 'mismatch' }>, streamed: boolean): void {
  const base = mismatchMessage(outcome.key, outcome.expected.sha256, outcome.digest.sha256, outcome.digest.corrupt);
  const tail = streamed
    ? `; the ${outcome.digest.bytes} byte(s) of it already written to stdout came from the altered object: do not trust them`
    : '; not written';
  logger.error({ key: outcome.key, expected: outcome.expected.sha256, actual: outcome.digest.sha256 || undefined }, `${base}${tail}`);
}

async function write(out: Sink, data: Buffer): Promise<void> {
  if (!out.write(data)) await new Promise<void>((resolve) => out.once('drain', resolve));
}

const NEWLINE = Buffer.from('\n');

/** The source bytes as they are, or only the lines inside the window's times. */
function toStdout(store: BucketStore, file: ArchivedFile, window: Window, out: Sink, signal: AbortSignal): Promise<ContentOutcome> {
  // Chunks are lent (readContent) and a stream may hold what it is given until it writes it: a copy.
  if (!hasLineBounds(window)) return readContent(store, file.record, (chunk) => write(out, Buffer.from(chunk)), signal);
  const keep = lineWindow(window, file.record.date);
  let kept: Buffer[] = [];
  const onLine = (line: Buffer, _number: number, terminated: boolean) => {
    if (keep(line)) kept.push(...(terminated ? [line, NEWLINE] : [line]));
  };
  const flush = async () => {
    if (kept.length === 0) return;
    const data = Buffer.concat(kept);
    kept = [];
    await write(out, data);
  };
  return readLines(store, file.record, onLine, flush, signal);
}

/** `DIR/{key}` (without `.gz`: the source bytes), renamed into place only once verified. */
async function toDirectory(store: BucketStore, file: ArchivedFile, dir: string, signal: AbortSignal): Promise<ContentOutcome> {
  const { record } = file;
  const relative = record.compression === 'gzip' ? record.key.replace(/\.gz$/, '') : record.key;
  const path = join(dir, ...relative.split('/'));
  const partial = `${path}.partial-${process.pid}`;
  await mkdir(dirname(path), { recursive: true });
  const sink = createWriteStream(partial);
  const closed = new Promise<void>((resolve, reject) => {
    sink.on('close', resolve);
    sink.on('error', reject);
  });
  let outcome: ContentOutcome;
  try {
    outcome = await readContent(store, record, (chunk) => write(sink, Buffer.from(chunk)), signal);
  } catch (error) {
    sink.destroy();
    await closed.catch(() => {});
    await rm(partial, { force: true });
    throw error;
  }
  sink.end();
  await closed;
  if (outcome.kind === 'verified') await rename(partial, path);
  else await rm(partial, { force: true });
  return outcome;
}
