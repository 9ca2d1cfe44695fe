import { compileMatcher } from '../read/match.js';
import { searchArchive } from '../read/search.js';
import { resolveInstances, selectFiles } from '../read/select.js';
import { parseWindow } from '../read/window.js';
import type { Command } from './command.js';
import { withReader } from './reader.js';

/** grep's exit statuses: a match, none, an error. */
const FOUND = 0;
const NONE = 1;
const ERROR = 2;

export const searchCommand: Command = {
  name: 'search',
  summary: 'grep across the archive, verified and gzip-transparent (exit 0 found, 1 none, 2 error)',
  flags: ['config', 'set', 'instance', 'since', 'until', 'replica', 'fixed-strings', 'ignore-case', 'count', 'json'],
  args: [{ name: 'PATTERN', required: true, help: 'a JavaScript regular expression (grep -E syntax and more), or plain text with --fixed-strings' }],
  examples: [
    "search 'Background saving' --instance orders-cache --since 2026-11-14 --until 2026-11-15",
    "search -ic 'oom|out of memory'",
    'search --fixed-strings "MASTER MODE enabled" --json',
  ],
  exitCodes: `Exit codes (grep's): 0 some line matched; 1 none did; 2 an error: a usage or configuration
error (before any network call), or a file that could not be searched or whose SHA-256 does not
match its record (reported on stderr, and in --json as {"error", "key"}; every other file is
still searched). 130 / 143 stopped by SIGINT / SIGTERM.`,
  writesData: () => true,
  async run(ctx) {
    const { flags, args, io, logger } = ctx;
    // Usage first: a bad pattern or day must not cost a request.
    const matcher = compileMatcher(args[0]!, { fixedStrings: flags['fixed-strings'] ?? false, ignoreCase: flags['ignore-case'] ?? false });
    const window = parseWindow(flags);
    return withReader(ctx, ERROR, async ({ config, store, signal }) => {
      const instances = await resolveInstances(store, flags.instance ?? [], config.instances, signal);
      const started = Date.now();
      const summary = await searchArchive({
        store,
        selected: selectFiles(store, instances, { window, ...(flags.replica ? { replica: flags.replica } : {}) }, signal),
        matcher,
        window,
        // The one limit on objects read at once: the same key that bounds a pass's transfers.
        concurrency: config.archive.concurrency,
        json: flags.json ?? false,
        count: flags.count ?? false,
        out: io.stdout,
        onError: (message, fields) => logger.error(fields, message),
        signal,
      });
      const ms = Date.now() - started;
      // grep says nothing on success; the figures are there at LOG_LEVEL=debug.
      logger.debug({ ...summary, instances: instances.length, ms, mibPerSecond: ms > 0 ? Number((summary.bytes / 1048576 / (ms / 1000)).toFixed(1)) : null }, 'search finished');
      if (signal.aborted) throw new Error('search stopped');
      return summary.errors > 0 ? ERROR : summary.matches > 0 ? FOUND : NONE;
    });
  },
};
