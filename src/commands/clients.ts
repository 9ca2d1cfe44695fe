import { Agent } from 'undici';
import { objectSettingsOf } from '../config/destination.js';
import type { Config, InstanceRef, ProjectConfig } from '../config/schema.js';
import { createDcsClient, type DcsEvent } from '../dcs/client.js';
import type { DcsAuth } from '../dcs/http.js';
import { RateLimiter } from '../dcs/rate-limit.js';
import { ConfigError } from '../errors.js';
import type { EventSink } from '../events.js';
import { createScrubber } from '../log.js';
import type { PassDeps } from '../pass/run-once.js';
import type { ProjectSource } from '../pass/targets.js';
import { sleep } from '../retry.js';
import { createFileStore } from '../store/file-store.js';
import { createS3Store } from '../store/s3-store.js';
import type { BucketStore } from '../store/store.js';

type Env = Record<string, string | undefined>;

/**
 * The secret values this process holds, for the log scrubber: the known credential variables,
 * and any variable whose name says it holds a key, secret or token (per-project credentials
 * have names of the user's choosing).
 */
export function secretsFromEnv(env: Env): string[] {
  const named = Object.entries(env)
    .filter(([name, value]) => /(_AK|_SK|SECRET|TOKEN|PASSWORD|ACCESS_KEY|_KEY)$/i.test(name) && typeof value === 'string' && value.length >= 8)
    .map(([, value]) => value as string);
  return [
    ...named,
    env.HUAWEICLOUD_SDK_AK,
    env.HUAWEICLOUD_SDK_SK,
    env.HUAWEICLOUD_SDK_SECURITY_TOKEN,
    env.DCS_AUTH_TOKEN,
    env.AWS_ACCESS_KEY_ID,
    env.AWS_SECRET_ACCESS_KEY,
    env.AWS_SESSION_TOKEN,
  ].filter((s): s is string => typeof s === 'string' && s !== '');
}

/** DCS credentials, only from the environment (the official SDKs' names). */
export function dcsAuthFromEnv(env: Env): DcsAuth {
  const ak = env.HUAWEICLOUD_SDK_AK;
  const sk = env.HUAWEICLOUD_SDK_SK;
  if (ak && sk) {
    return { kind: 'aksk', accessKey: ak, secretKey: sk, ...(env.HUAWEICLOUD_SDK_SECURITY_TOKEN ? { securityToken: env.HUAWEICLOUD_SDK_SECURITY_TOKEN } : {}) };
  }
  if (ak || sk) throw new ConfigError('credentials', `${ak ? 'HUAWEICLOUD_SDK_SK' : 'HUAWEICLOUD_SDK_AK'} is not set; AK/SK signing needs both`);
  if (env.DCS_AUTH_TOKEN) return { kind: 'token', token: env.DCS_AUTH_TOKEN };
  throw new ConfigError('credentials', 'no DCS credentials: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (plus HUAWEICLOUD_SDK_SECURITY_TOKEN for temporary ones), or DCS_AUTH_TOKEN');
}

export function dcsEndpoint(config: Config): string {
  return config.dcs.endpoint ?? `https://dcs.${config.dcs.region}.myhuaweicloud.com`;
}

export interface Clients {
  projects: ProjectSource[];
  store: BucketStore;
  deps: Omit<PassDeps, 'onEvent' | 'signal' | 'hardSignal'>;
  close(): Promise<void>;
}

export interface Effects {
  now: () => Date;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
}

const realEffects: Effects = { now: () => new Date(), sleep, random: Math.random };

interface ProjectPlan {
  path: string;
  projectId: string;
  endpoint: string;
  auth: DcsAuth;
  instances: InstanceRef[];
  discover: Config['discover'];
}

/**
 * The projects of a pass: `dcs` with the top-level instances and discovery (when it has
 * anything to archive or is the only one), then every entry of `projects`, which inherits the
 * region and credentials of `dcs` unless it names its own.
 */
export function planProjects(config: Config, env: Env): ProjectPlan[] {
  const plans: ProjectPlan[] = [];
  const mainHasWork = config.instances.length > 0 || config.discover.enabled;
  if (mainHasWork || config.projects.length === 0) {
    if (!config.dcs.projectId) throw new ConfigError('dcs.projectId', 'got null; allowed: a project id, in the config or in HUAWEICLOUD_SDK_PROJECT_ID');
    plans.push({ path: 'dcs', projectId: config.dcs.projectId, endpoint: dcsEndpoint(config), auth: dcsAuthFromEnv(env), instances: config.instances, discover: config.discover });
  }
  if (config.instances.length === 0 && !config.discover.enabled && config.projects.every((p) => p.instances.length === 0 && !p.discover.enabled)) {
    throw new ConfigError('instances', 'got none, and discover.enabled is false; allowed: instance ids (or {id, name}) under instances, or discover.enabled: true');
  }
  config.projects.forEach((project, index) => {
    const path = `projects[${index}]`;
    const region = project.region ?? config.dcs.region;
    const endpoint = project.endpoint ?? (project.region ? `https://dcs.${region}.myhuaweicloud.com` : dcsEndpoint(config));
    plans.push({ path, projectId: project.projectId, endpoint, auth: projectAuth(project.credentialsEnv, env, path), instances: project.instances, discover: project.discover });
  });
  return plans;
}

function projectAuth(names: ProjectConfig['credentialsEnv'], env: Env, path: string): DcsAuth {
  if (!names) return dcsAuthFromEnv(env);
  const read = (name: string) => {
    const value = env[name];
    if (!value) throw new ConfigError(`${path}.credentialsEnv`, `names ${name}, which is not set`);
    return value;
  };
  if ('token' in names) return { kind: 'token', token: read(names.token) };
  return { kind: 'aksk', accessKey: read(names.ak), secretKey: read(names.sk), ...(names.securityToken ? { securityToken: read(names.securityToken) } : {}) };
}

/**
 * Builds the clients a pass needs from validated config and the environment. Everything that
 * can be refused (missing credentials, project id) is refused here, before any network call.
 */
export function buildClients(config: Config, env: Env, onEvent: EventSink, effects: Effects = realEffects): Clients {
  const plans = planProjects(config, env);
  const timeouts = {
    connectMs: config.dcs.timeouts.connectSeconds * 1000,
    headersMs: config.dcs.timeouts.headersSeconds * 1000,
    bodyMs: config.dcs.timeouts.bodySeconds * 1000,
  };
  // One pool for API calls, sized to the concurrency limit (downloads open their own connections: src/http/socket-get.ts).
  const dispatcher = new Agent({
    connect: { timeout: timeouts.connectMs },
    connections: config.archive.concurrency * 2,
    keepAliveTimeout: 10_000,
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyMs,
  });
  // One limit for every DCS call of the process; 429s slow it down.
  const limiter = new RateLimiter({ ratePerSecond: config.dcs.requestsPerSecond, now: () => effects.now().getTime(), sleep: effects.sleep });
  const projects: ProjectSource[] = plans.map((plan) => ({
    instances: plan.instances,
    discover: plan.discover,
    dcs: createDcsClient({
      endpoint: plan.endpoint,
      projectId: plan.projectId,
      auth: plan.auth,
      allowHttp: config.dcs.allowHttp,
      dispatcher,
      timeouts,
      retry: config.dcs.retry,
      ...effects,
      beforeRequest: (signal) => limiter.acquire(signal),
      onEvent: (event) => {
        if (event.type === 'dcs.retry' && event.throttled) {
          limiter.penalize();
          onEvent({ type: 'rate-lowered', ratePerSecond: limiter.currentRate() });
        }
        onEvent(fromDcsEvent(event));
      },
    }),
  }));
  const store = createStore(config);
  return {
    projects,
    store,
    deps: {
      projects,
      store,
      download: { allowHttp: config.dcs.allowHttp, connectTimeoutMs: timeouts.connectMs, headersTimeoutMs: timeouts.headersMs, bodyTimeoutMs: timeouts.bodyMs },
      retry: config.dcs.retry,
      ...effects,
      scrub: createScrubber(secretsFromEnv(env)),
    },
    close: async () => {
      await store.close();
      await dispatcher.close();
    },
  };
}

/** `createRoot`: a pass may make a missing file:// directory whose parent exists; a reader may not. */
export function createStore(config: Config, { createRoot = true }: { createRoot?: boolean } = {}): BucketStore {
  const destination = config.destination.url;
  if (destination.kind === 'file') return createFileStore({ root: destination.root, createRoot });
  return createS3Store({
    bucket: destination.bucket,
    prefix: destination.prefix,
    region: config.destination.region,
    forcePathStyle: config.destination.forcePathStyle,
    ...(config.destination.endpoint ? { endpoint: config.destination.endpoint } : {}),
    ...(config.archive.partSizeMiB === null ? {} : { partSize: config.archive.partSizeMiB * 1024 * 1024 }),
    memoryBytes: config.archive.memoryMiB * 1024 * 1024,
    maxSockets: config.archive.concurrency * 2,
    timeouts: { connectMs: config.destination.timeouts.connectSeconds * 1000, requestMs: config.destination.timeouts.requestSeconds * 1000 },
    objects: objectSettingsOf(config.destination),
  });
}

function fromDcsEvent(event: DcsEvent): Parameters<EventSink>[0] {
  if (event.type === 'dcs.retry') {
    return { type: 'retry', scope: `dcs ${event.op}${event.instanceId ? ` ${event.instanceId}` : ''}`, ...(event.instanceId ? { instanceId: event.instanceId } : {}), attempt: event.attempt, delayMs: event.delayMs, reason: event.reason };
  }
  return { type: 'dcs-notice', notice: event };
}
