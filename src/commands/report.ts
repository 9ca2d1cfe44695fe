import { ConfigError } from '../errors.js';
import { latestRunId, readRunReport } from '../records/catalog.js';
import { formatRunReport } from '../read/report-text.js';
import { EXIT_FAILED, EXIT_OK, type Command } from './command.js';
import { withReader } from './reader.js';

/** What newRunId makes: the UTC start time, then a random suffix. */
const RUN_ID = /^[A-Za-z0-9._-]{1,100}$/;

export const reportCommand: Command = {
  name: 'report',
  summary: 'a run report for people: archived, skipped and failed files with reasons, coverage warnings (--json: the stored document)',
  flags: ['config', 'set', 'json'],
  args: [{ name: 'RUN_ID', required: false, help: 'a run id (as in runs/{RUN_ID}.json and the pass-finished log line), or latest (the default)' }],
  examples: ['report', 'report latest --json', 'report 20261114T031700.125Z-1a2b3c'],
  exitCodes: 'Exit codes: 0 the report was printed; 1 no such run report (or the bucket could not be read); 2 usage or configuration error.',
  // The report is the output, for people or as JSON: log lines go to stderr.
  writesData: () => true,
  async run(ctx) {
    const { args, flags, io, logger } = ctx;
    const wanted = args[0] ?? 'latest';
    if (!RUN_ID.test(wanted)) throw new ConfigError('RUN_ID', `got ${JSON.stringify(wanted)}; allowed: latest, or a run id such as 20261114T031700.125Z-1a2b3c (letters, digits, . _ -)`);
    return withReader(ctx, EXIT_FAILED, async ({ store, signal }) => {
      const runId = wanted === 'latest' ? await latestRunId(store, new Date(), signal) : wanted;
      if (runId === undefined) {
        logger.error(`no run report in ${store.location}: no pass has finished there yet`);
        return EXIT_FAILED;
      }
      const found = await readRunReport(store, runId, signal);
      if (!found) {
        logger.error({ runId }, `no run report ${runId} in ${store.location}; "report latest" shows the newest`);
        return EXIT_FAILED;
      }
      io.stdout.write(flags.json ? found.text : formatRunReport(found.report));
      return EXIT_OK;
    });
  },
};
