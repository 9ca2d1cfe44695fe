import type { Logger } from 'pino';
import { AbortedError, ConfigError, errorMessage, failureKind, isArchiveError } from '../errors.js';
import { isProblem, type Finding } from '../verify/findings.js';
import { verifyBucket } from '../verify/verify-bucket.js';
import type { InstanceRef } from '../config/schema.js';
import { manifestKey, recordPrefix } from '../records/layout.js';
import type { BucketStore } from '../store/store.js';
import { createStore } from './clients.js';
import { EXIT_FAILED, EXIT_OK, type Command } from './command.js';

const DEFAULT_OLDER_THAN_MINUTES = 60;

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'audit the bucket against the records (--deep re-hashes content; --fix rebuilds manifests, aborts orphaned uploads)',
  flags: ['config', 'set', 'instance', 'deep', 'fix', 'older-than'],
  examples: ['verify', 'verify --deep --instance orders-cache', 'verify --fix --older-than 120'],
  async run({ flags, io, logger, loadConfig }) {
    // Flags first: a usage error must come before any network call.
    const olderThanMinutes = parseMinutes(flags['older-than']);
    const config = await loadConfig();
    // Only the bucket's credentials are needed: no DCS client is built.
    const store = createStore(config, { createRoot: false });
    const stop = new AbortController();
    const onSignal = (name: string) => {
      if (stop.signal.aborted) return;
      logger.warn({ signal: name }, 'stopping verify');
      stop.abort();
    };
    io.signals?.on('SIGTERM', onSignal);
    io.signals?.on('SIGINT', onSignal);
    const deep = flags.deep ?? false;
    const fix = flags.fix ?? false;
    try {
      const instances = await instancesToVerify(flags.instance ?? [], config.instances, store);
      logger.info({ location: store.location, deep, fix, instances: instances.length > 0 ? instances : 'all', olderThanMinutes }, 'verify started');
      const summary = await verifyBucket({
        store,
        instances,
        deep,
        fix,
        olderThanMs: olderThanMinutes * 60_000,
        retentionDays: config.destination.retentionDays,
        objectLock: config.destination.objectLock,
        now: () => new Date(),
        onFinding: (finding) => logFinding(logger, finding),
        signal: stop.signal,
      });
      logger[summary.clean ? 'info' : 'error'](
        {
          ...summary,
          ...(summary.scope === 'instances' ? { notChecked: 'unrecorded objects and pending uploads (checked only over the whole bucket, without --instance)' } : {}),
        },
        'verify finished',
      );
      return summary.clean ? EXIT_OK : EXIT_FAILED;
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      if (error instanceof AbortedError) logger.error('verify stopped before completion: the bucket was not fully checked');
      else logger.error({ kind: failureKind(error), reason: isArchiveError(error) ? error.reason : undefined }, `verify could not finish: ${errorMessage(error)}`);
      return EXIT_FAILED;
    } finally {
      io.signals?.off('SIGTERM', onSignal);
      io.signals?.off('SIGINT', onSignal);
      await store.close();
    }
  },
};

/**
 * `--instance` as ids: a configured name stands for its id; an id not configured must be one the
 * bucket holds something of (verify needs no DCS credentials, so it cannot ask DCS), or it is a
 * usage error rather than a clean audit of nothing.
 */
async function instancesToVerify(wanted: string[], configured: InstanceRef[], store: BucketStore): Promise<string[]> {
  const ids: string[] = [];
  const unknown: string[] = [];
  for (const name of wanted) {
    const match = configured.find((instance) => instance.id === name || instance.name === name);
    if (match) ids.push(match.id);
    else if ((await store.head(manifestKey(name))) || (await hasAny(store.list(recordPrefix(name))))) ids.push(name);
    else unknown.push(name);
  }
  if (unknown.length > 0) {
    throw new ConfigError('--instance', `${unknown.map((u) => JSON.stringify(u)).join(', ')} names no configured instance and nothing of it is in ${store.location}; allowed: an id or a name of a configured instance, or the id of an archived one`);
  }
  return [...new Set(ids)];
}

async function hasAny(objects: AsyncIterable<unknown>): Promise<boolean> {
  for await (const _ of objects) return true;
  return false;
}

function parseMinutes(value: string | undefined): number {
  if (value === undefined) return DEFAULT_OLDER_THAN_MINUTES;
  if (!/^\d{1,7}$/.test(value)) {
    throw new ConfigError('--older-than', `got ${JSON.stringify(value)}; allowed: a whole number of minutes, 0 or more (0: every pending upload is orphaned)`);
  }
  return Number(value);
}

/** One line per finding: problems at error or warn, fixes and notes at info (fix-failed at error). */
function logFinding(logger: Logger, finding: Finding): void {
  const { kind, key, instanceId, ...rest } = finding;
  const fields = { kind, key, ...(instanceId ? { instance: instanceId } : {}), ...rest };
  const level = isProblem(finding) ? (SERIOUS.has(kind) ? 'error' : 'warn') : kind === 'fix-failed' ? 'error' : kind === 'instance-empty' ? 'warn' : 'info';
  logger[level](fields, messageOf(finding));
}

/** A pass trusts the record, so it will not archive the file again by itself. */
const AGAIN = '; to have the next pass archive it again (while DCS still keeps the file, 7 days), delete the record';

/** Problems with the archived data itself, rather than with its bookkeeping. */
const SERIOUS = new Set<string>(['missing-object', 'size-mismatch', 'hash-mismatch', 'unreadable-record', 'misplaced-record', 'check-failed', 'lock-missing', 'lock-short']);

function messageOf(f: Finding & { record?: string; expected?: unknown; actual?: unknown; fields?: string[]; initiated?: string; detail?: string; entries?: number }): string {
  switch (f.kind) {
    case 'missing-object':
      return `object missing: ${f.key}, named by ${f.record}${AGAIN}`;
    case 'size-mismatch':
      return `object size differs from its record: ${f.key} has ${f.actual} bytes, ${f.record} says ${f.expected}${AGAIN}`;
    case 'hash-mismatch':
      return `object content differs from its record: ${f.key} does not hash to ${f.record}'s SHA-256${f.detail ? ` (${f.detail})` : ''}${AGAIN}`;
    case 'unreadable-record':
      return `not a readable record: ${f.key} (${f.detail})`;
    case 'misplaced-record':
      return `record at ${f.key} describes a file whose record belongs at ${f.expected}`;
    case 'manifest-missing':
      return `no manifest ${f.key} for an instance with ${f.expected} record(s)`;
    case 'manifest-unreadable':
      return `manifest ${f.key} is unreadable (${f.detail})`;
    case 'manifest-missing-entry':
      return `manifest ${f.key} lacks the record ${f.record}`;
    case 'manifest-extra-entry':
      return `manifest ${f.key} has an entry for ${f.record} (${f.detail})`;
    case 'manifest-differs':
      return `manifest ${f.key} differs from the record ${f.record} in ${f.fields?.join(', ')}`;
    case 'unrecorded-object':
      return `object no record names: ${f.key}; left in place (it may be another tool's), even with --fix`;
    case 'orphaned-upload':
      return `orphaned multipart upload of ${f.key || '(unknown key)'}, started ${f.initiated}`;
    case 'check-failed':
      return `could not check ${f.key || 'the bucket'}: ${f.detail}`;
    case 'lock-missing':
      return `object not locked: ${f.key}, named by ${f.record}, has no Object Lock retention (destination.objectLock wants it ${f.expected}); the bucket cannot lock it afterwards by itself: set its retention with an S3 client`;
    case 'lock-short':
      return `object locked too briefly: ${f.key}, named by ${f.record}, is ${f.actual}; destination.objectLock wants it ${f.expected}`;
    case 'fixed-manifest':
      return `rebuilt manifest ${f.key} from the records (${f.entries} entries)`;
    case 'fixed-orphaned-upload':
      return `aborted the orphaned upload of ${f.key || '(unknown key)'}`;
    case 'upload-in-progress':
      return `upload in progress for ${f.key || '(unknown key)'}, started ${f.initiated}; left alone (younger than --older-than)`;
    case 'fix-failed':
      return `could not fix ${f.key}: ${f.detail}`;
    case 'expired':
      return `expired: ${f.key}, named by ${f.record}, is gone past the retention (${f.detail}); expected, not a problem`;
    case 'instance-empty':
      return `no records and no manifest for instance ${f.instanceId}: is the id right?`;
  }
}
