/**
 * What the bucket says it holds, for readers with only the bucket's credentials: the instances
 * that have a manifest (one listing of the manifests prefix, never of the whole bucket), the
 * id and name a manifest carries, and the run reports. Records themselves are read by book.ts.
 */
import { manifestKeyOfSegment, manifestSegment, MANIFESTS_PREFIX, RUNS_PREFIX, runReportKey } from './layout.js';
import { parseManifest } from './book.js';
import type { RunReport } from './run-report.js';
import type { BucketStore } from '../store/store.js';

/** The key segments of every instance with a manifest, in key order. */
export async function* archivedInstanceSegments(store: BucketStore, signal?: AbortSignal): AsyncGenerator<string> {
  for await (const object of store.list(MANIFESTS_PREFIX, signal ? { signal } : {})) {
    const segment = manifestSegment(object.key);
    if (segment !== undefined) yield segment;
  }
}

export interface ManifestIdentity {
  instanceId: string;
  instanceName?: string;
}

/** The id and name the manifest of `segment` carries; undefined when it is missing or unreadable. */
export async function manifestIdentity(store: BucketStore, segment: string, signal?: AbortSignal): Promise<ManifestIdentity | undefined> {
  const found = await store.get(manifestKeyOfSegment(segment), signal);
  if (!found) return undefined;
  const parsed = parseManifest(found.body.toString('utf8'));
  if (typeof parsed === 'string') return undefined;
  return { instanceId: parsed.instanceId, ...(parsed.instanceName ? { instanceName: parsed.instanceName } : {}) };
}

/** The stored run report, as its text (what `--json` prints) and parsed; undefined when there is none. */
export async function readRunReport(store: BucketStore, runId: string, signal?: AbortSignal): Promise<{ text: string; report: RunReport } | undefined> {
  const found = await store.get(runReportKey(runId), signal);
  if (!found) return undefined;
  const text = found.body.toString('utf8');
  return { text, report: JSON.parse(text) as RunReport };
}

/** Run ids begin with their UTC start time (yyyyMMddTHHmmssZ), so the newest sorts last. */
const RECENT_DAYS = 45;

/**
 * The newest run id. The recent reports are listed first (keys after the date 45 days ago), so a
 * bucket with years of daily reports costs one short listing; the whole runs prefix only when
 * nothing is that recent.
 */
export async function latestRunId(store: BucketStore, now: Date, signal?: AbortSignal): Promise<string | undefined> {
  const since = new Date(now.getTime() - RECENT_DAYS * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
  const last = async (startAfter?: string) => {
    let key: string | undefined;
    for await (const object of store.list(RUNS_PREFIX, { ...(startAfter ? { startAfter } : {}), ...(signal ? { signal } : {}) })) {
      if (object.key.endsWith('.json')) key = object.key;
    }
    return key;
  };
  const key = (await last(`${RUNS_PREFIX}${since}`)) ?? (await last());
  return key?.slice(RUNS_PREFIX.length, -'.json'.length);
}
