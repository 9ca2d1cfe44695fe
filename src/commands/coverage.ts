import pLimit from 'p-limit';
import { replicaTargets, RETENTION_DAYS } from '../collect/collect.js';
import { COVERAGE_LEGEND, computeCoverage, coveragePicture, type InstanceCoverage } from '../collect/coverage.js';
import { errorMessage } from '../errors.js';
import { logEvent } from '../event-log.js';
import { addDays, dayIn } from '../calendar.js';
import { loadInstanceRecords } from '../records/book.js';
import { resolveShard } from '../pass/shard.js';
import { resolveTargets, selectTargets } from '../pass/targets.js';
import { buildClients } from './clients.js';
import { EXIT_FAILED, EXIT_OK, type Command } from './command.js';

/**
 * The instance × replica × day picture of the retention window, read from the bucket and the
 * listings without changing anything. Exits 1 when a day is at risk, for alerting.
 */
export const coverageCommand: Command = {
  name: 'coverage',
  summary: 'what is archived, missing or at risk, per instance, replica and day',
  flags: ['config', 'instance', 'json', 'set', 'shard'],
  examples: ['coverage', 'coverage --json --instance orders-cache'],
  async run({ flags, io, logger, pretty, loadConfig }) {
    const config = await loadConfig();
    const shard = resolveShard(flags.shard, io.env, config.sharding.count);
    const wired = buildClients(config, io.env, (event) => logEvent(logger, event, { pretty }));
    try {
      let discoveryFailed = false;
      const all = await resolveTargets(wired.projects, (project, error) => {
        discoveryFailed = true;
        logger.error({ projectId: project.dcs.projectId }, `instance discovery failed: ${errorMessage(error)}`);
      });
      const instances = selectTargets(all, { only: flags.instance, shard });
      const today = dayIn(new Date(), config.schedule.timezone);
      const limit = pLimit(config.archive.concurrency);
      const results = await Promise.all(
        instances.map((instance) =>
          limit(async (): Promise<{ id: string; name?: string; coverage?: InstanceCoverage; error?: string }> => {
            try {
              const [listing, replicas, records] = await Promise.all([
                instance.project.dcs.listRunLogs(instance.id),
                config.collect.enabled ? instance.project.dcs.listReplicas(instance.id) : Promise.resolve(undefined),
                loadInstanceRecords({ store: wired.store, instanceId: instance.id, sinceDate: addDays(today, -RETENTION_DAYS - 30) }),
              ]);
              const coverage = computeCoverage({
                instanceId: instance.id,
                replicas: replicas ? replicaTargets(replicas).map((t) => t.key) : [],
                records: records.byIdentity.values(),
                emptyDays: records.emptyDays,
                logs: listing.logs,
                today,
                retentionDays: config.destination.retentionDays,
              });
              return { id: instance.id, ...(instance.name ? { name: instance.name } : {}), coverage };
            } catch (error) {
              return { id: instance.id, ...(instance.name ? { name: instance.name } : {}), error: errorMessage(error) };
            }
          }),
        ),
      );
      const atRisk = results.reduce((n, r) => n + (r.coverage?.atRisk.length ?? 0), 0);
      const failed = results.filter((r) => r.error).length;
      if (flags.json) {
        io.stdout.write(`${JSON.stringify({ today, timezone: config.schedule.timezone, atRisk, instances: results }, null, 2)}\n`);
      } else {
        const days = Array.from({ length: RETENTION_DAYS + 1 }, (_, i) => addDays(today, i - RETENTION_DAYS));
        const lines = [`Coverage ${days[0]} .. ${today} (${config.schedule.timezone}), one character per day, oldest first`, COVERAGE_LEGEND, ''];
        for (const result of results) {
          lines.push(`${result.name ? `${result.name} (${result.id})` : result.id}`);
          if (result.error) lines.push(`  cannot tell: ${result.error}`);
          else for (const line of coveragePicture(result.coverage!)) lines.push(`  ${line}`);
          for (const { replica, date } of result.coverage?.lost ?? []) lines.push(`  lost: ${replica} ${date} (deleted by DCS before it was archived)`);
        }
        lines.push('', `${atRisk} day(s) at risk across ${results.length} instance(s)${failed ? `; ${failed} instance(s) could not be read` : ''}`);
        io.stdout.write(`${lines.join('\n')}\n`);
      }
      return atRisk > 0 || failed > 0 || discoveryFailed ? EXIT_FAILED : EXIT_OK;
    } finally {
      await wired.close();
    }
  },
};
