import { validateDetailed } from 'node-cron';
import { z } from 'zod';
import { FIXED_OBJECT_TAGS, parseDestinationUrl, storageSettingProblems } from './destination.js';
import { isRegionTimeZone, timeZoneAllowed } from './time-zone.js';

/**
 * The configuration's shape and defaults. Every key is documented in config/default.yaml;
 * keep the two in step (a test compares them).
 */

export const KEY_PLACEHOLDERS = [
  'projectId',
  'instanceId',
  'instanceName',
  'date',
  'yyyy',
  'mm',
  'dd',
  'fileName',
  'groupName',
  'replicationIp',
  'logId',
] as const;

/*
 * Each schema says what it allows in its own error message, so a message can be made from the
 * issue alone (load.ts): "got X; allowed: <message>". Where a schema says nothing, load.ts
 * words the default from the issue's data (expected type, bounds, enum values).
 */

/** A number in a range; one wording for every issue (wrong type, fraction, out of range). */
function integer(min: number, max: number) {
  const allowed = `an integer from ${min} to ${max}`;
  return z.int({ error: allowed }).min(min, { error: allowed }).max(max, { error: allowed });
}

function decimal(min: number, max: number) {
  const allowed = `a number from ${min} to ${max}`;
  return z.number({ error: allowed }).min(min, { error: allowed }).max(max, { error: allowed });
}

/** A mapping with a fixed set of keys; an unknown key or a non-mapping is told the allowed keys. */
function section<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  const keys = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? keys : issue.code === 'invalid_type' ? `a mapping with keys ${keys}` : undefined),
  });
}

const instanceId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'an instance id: letters, digits, ".", "_" or "-" (a UUID in DCS)');

const instanceEntry = z.union(
  [instanceId.transform((id) => ({ id, name: undefined as string | undefined })), section({ id: instanceId, name: z.string().min(1).max(200).optional() })],
  { error: 'an instance id string, or {id, name}' },
);

const discoverSchema = section({
    enabled: z.boolean().default(false),
    namePrefix: z.string().min(1).max(200).nullable().default(null),
    namePattern: z
      .string()
      .min(1)
      .max(500)
      .refine((pattern) => {
        try {
          new RegExp(pattern);
          return true;
        } catch {
          return false;
        }
      }, 'a valid regular expression')
      .nullable()
      .default(null),
    tags: z.record(z.string({ error: 'a tag key of 1 to 128 characters' }).min(1).max(128), z.string().max(255)).default({}),
    status: z.string().min(1).nullable().default('RUNNING'),
    exclude: z.array(instanceId).default([]),
});

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]{0,127}$/, 'an environment variable name, e.g. PROD_HUAWEICLOUD_SDK_AK');

/** Another project (or region) archived by the same process; unset keys come from `dcs`. */
const projectSchema = section({
  projectId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a project id (32 hex characters in Huawei Cloud)'),
  region: z
    .string()
    .regex(/^[a-z]{2,}(-[a-z]+)+-\d+$/, 'a Huawei Cloud region such as cn-north-4 or ap-southeast-1')
    .optional(),
  endpoint: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).nullable().optional(),
  /** Names of the environment variables holding this project's credentials (default: the usual ones). */
  credentialsEnv: z
    .union([section({ ak: envName, sk: envName, securityToken: envName.optional() }), section({ token: envName })], {
      error: 'names of environment variables: {ak, sk} (and securityToken), or {token}',
    })
    .optional(),
  instances: z.array(instanceEntry).default([]),
  discover: discoverSchema.prefault({ enabled: false }),
});

const seconds = (min: number, max: number, fallback: number) => integer(min, max).default(fallback);

/** Placeholders known, and enough of them that every file gets its own key. */
const keyTemplate = z
  .string()
  .min(1)
  .max(512)
  .superRefine((template, ctx) => {
    const placeholders = [...template.matchAll(/\{([^}]*)\}/g)].map((m) => m[1] ?? '');
    const unknown = placeholders.filter((p) => !(KEY_PLACEHOLDERS as readonly string[]).includes(p));
    if (unknown.length > 0) {
      ctx.addIssue({ code: 'custom', input: template, message: `placeholders among ${KEY_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}` });
    } else if (!placeholders.includes('instanceId') || !(placeholders.includes('fileName') || (placeholders.includes('date') && placeholders.includes('replicationIp')))) {
      ctx.addIssue({ code: 'custom', input: template, message: 'a template with {instanceId} and {fileName} (or {date} and {replicationIp}), so every file gets its own key' });
    }
  });

const cron = z.string().superRefine((expression, ctx) => {
  const result = validateDetailed(expression);
  if (!result.valid) {
    const why = result.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    ctx.addIssue({ code: 'custom', input: expression, message: `a cron expression of 5 or 6 fields, e.g. "17 3 * * *" (${why})` });
  }
});

/**
 * S3 object tags (OBS has the same limits): ten per object, of which the archiver takes two
 * (FIXED_OBJECT_TAGS), so lifecycle rules can select by instance or date.
 */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const objectTagsSchema = z
  .record(
    z
      .string()
      .regex(TAG_TEXT, 'a tag key of letters, digits, spaces and _ . : / = + - @')
      .min(1, 'a tag key of 1 to 128 characters')
      .max(128, 'a tag key of 1 to 128 characters')
      .refine((key) => !key.toLowerCase().startsWith('aws:'), 'a tag key not starting with aws: (reserved)')
      .refine((key) => !(FIXED_OBJECT_TAGS as readonly string[]).includes(key), `a tag key other than ${FIXED_OBJECT_TAGS.join(' and ')} (the archiver sets them)`),
    z.string({ error: 'a tag value of up to 256 characters' }).max(256, 'a tag value of up to 256 characters').regex(TAG_TEXT, 'a tag value of letters, digits, spaces and _ . : / = + - @'),
    { error: (issue) => (issue.code === 'invalid_type' ? 'a mapping of tag keys to values' : undefined) },
  )
  .refine((tags) => Object.keys(tags).length <= 10 - FIXED_OBJECT_TAGS.length, `at most ${10 - FIXED_OBJECT_TAGS.length} tags (S3 allows 10 per object; the archiver adds ${FIXED_OBJECT_TAGS.join(' and ')})`);

/** Parsed here, once: the rest of the program gets `{kind, bucket, prefix}` or `{kind, root}`. */
const destinationUrl = z.string({ error: 's3://bucket/prefix/ or file:///path/' }).transform((url, ctx) => {
  const destination = parseDestinationUrl(url);
  if (typeof destination !== 'string') return destination;
  ctx.addIssue({ code: 'custom', input: url, message: destination });
  return z.NEVER;
});

export const configSchema = section({
  dcs: section({
      region: z
        .string()
        .regex(/^[a-z]{2,}(-[a-z]+)+-\d+$/, 'a Huawei Cloud region such as cn-north-4 or ap-southeast-1')
        .default('cn-north-4'),
      endpoint: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).nullable().default(null),
      projectId: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a project id (32 hex characters in Huawei Cloud)')
        .nullable()
        .default(null),
      allowHttp: z.boolean().default(false),
      requestsPerSecond: decimal(0.2, 1000).default(50),
      retry: section({
          attempts: integer(1, 20).default(5),
          baseDelayMs: integer(1, 60_000).default(500),
          maxDelayMs: integer(1, 600_000).default(30_000),
        })
        .prefault({}),
      timeouts: section({
          connectSeconds: seconds(1, 300, 10),
          headersSeconds: seconds(1, 600, 30),
          bodySeconds: seconds(1, 3600, 60),
        })
        .prefault({}),
    })
    .prefault({}),
  instances: z.array(instanceEntry).default([]),
  discover: discoverSchema.prefault({}),
  projects: z.array(projectSchema).default([]),
  collect: section({
      enabled: z.boolean().default(true),
      waitSeconds: seconds(0, 86_400, 300),
    })
    .prefault({}),
  archive: section({
      concurrency: integer(1, 256).default(8),
      includeOpenDay: z.boolean().default(false),
      keyTemplate: keyTemplate.default('{instanceId}/{date}/{fileName}'),
      compression: z.enum(['none', 'gzip']).default('none'),
      /** null: 8 MiB, larger for a file whose size would need more than 10,000 parts (src/store/s3-parts.ts). */
      partSizeMiB: integer(5, 512).nullable().default(null),
      /** Part buffers of all uploads together (src/store/part-budget.ts); at least one part. */
      memoryMiB: integer(8, 4096).default(40),
    })
    .prefault({}),
  destination: section({
      url: destinationUrl,
      endpoint: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).nullable().default(null),
      region: z.string().min(1).default('us-east-1'),
      forcePathStyle: z.boolean().default(false),
      /** Per request to an S3 store; the start-of-pass check is bounded by them too (src/store/check-deadline.ts). */
      timeouts: z
        .strictObject({
          connectSeconds: seconds(1, 300, 10),
          requestSeconds: seconds(1, 3600, 60),
        })
        .prefault({}),
      /**
       * Days an archived log is kept (a bucket lifecycle rule expires it); null: forever. More than
       * DCS's own 7: a file DCS still lists must never have expired, or it would be archived again.
       */
      retentionDays: z.number().int().min(8).max(36_500).nullable().default(null),
      /** Log objects only: records, manifests and run reports are read every pass. */
      storageClass: z
        .string()
        .regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'a storage class name in capitals, e.g. STANDARD_IA or GLACIER_IR (AWS S3), WARM or COLD (Huawei OBS)')
        .nullable()
        .default(null),
      serverSideEncryption: z.enum(['none', 'AES256', 'aws:kms'], { error: 'none, AES256 or aws:kms' }).default('none'),
      kmsKeyId: z.string().regex(/^[\x21-\x7e]{1,2048}$/, 'a KMS key id, alias or ARN (printable, no spaces)').nullable().default(null),
      tags: objectTagsSchema.nullable().default(null),
      objectLock: section({ mode: z.enum(['GOVERNANCE', 'COMPLIANCE'], { error: 'GOVERNANCE or COMPLIANCE' }), days: integer(1, 36_500) }).nullable().default(null),
    }),
  schedule: section({
      cron: cron.default('17 3 * * *'),
      timezone: z
        .string()
        .refine(isRegionTimeZone, { error: (issue) => timeZoneAllowed(issue.input) })
        .default('UTC'),
      runOnStart: z.boolean().default(false),
      maxRandomDelaySeconds: seconds(0, 3600, 0),
    })
    .prefault({}),
  shutdown: section({
      graceSeconds: seconds(0, 3600, 25),
    })
    .prefault({}),
  server: section({
      port: integer(0, 65_535).nullable().default(9464),
      host: z.string().min(1).default('0.0.0.0'),
    })
    .prefault({}),
  metrics: section({
      pushgatewayUrl: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).nullable().default(null),
      jobName: z.string().regex(/^[A-Za-z0-9_:-]{1,100}$/, 'a Prometheus job name').default('dcs-log-archiver'),
    })
    .prefault({}),
  sharding: section({
      count: integer(1, 10_000).nullable().default(null),
    })
    .prefault({}),
})
  .superRefine(plainHttpProblems, { when: validAt(['dcs', 'endpoint'], ['dcs', 'allowHttp'], ['projects']) })
  .superRefine(duplicateProblems, { when: validAt(['dcs', 'projectId'], ['instances'], ['projects']) })
  .superRefine((config, ctx) => storageSettingProblems(config.destination, (key, input, message) => addProblem(ctx, ['destination', key], input, message)), {
    when: validAt(['destination']),
  });

/**
 * A refinement of the whole config runs whenever the keys it reads are valid (zod skips it
 * after any other problem by default), so its problems are reported together with the rest.
 */
function validAt(...keys: PropertyKey[][]) {
  const overlaps = (a: PropertyKey[], b: PropertyKey[]) => a.slice(0, Math.min(a.length, b.length)).every((part, i) => part === b[i]);
  return (payload: z.core.ParsePayload): boolean => !payload.issues.some((issue) => keys.some((key) => overlaps(issue.path ?? [], key)));
}

interface CrossFieldInput {
  dcs: { endpoint: string | null; allowHttp: boolean; projectId: string | null };
  instances: Array<{ id: string }>;
  projects: Array<{ projectId: string; endpoint?: string | null | undefined; instances: Array<{ id: string }> }>;
}

const addProblem = (ctx: z.RefinementCtx, path: PropertyKey[], input: unknown, message: string) => ctx.addIssue({ code: 'custom', path, input, message });

/** Plain http only with dcs.allowHttp, which covers every project. */
function plainHttpProblems(config: CrossFieldInput, ctx: z.RefinementCtx): void {
  if (config.dcs.endpoint?.startsWith('http://') && !config.dcs.allowHttp) {
    addProblem(ctx, ['dcs', 'endpoint'], config.dcs.endpoint, 'an https:// URL (set dcs.allowHttp: true only for a local simulator)');
  }
  config.projects.forEach((project, p) => {
    if (project.endpoint?.startsWith('http://') && !config.dcs.allowHttp) addProblem(ctx, ['projects', p, 'endpoint'], project.endpoint, 'an https:// URL (dcs.allowHttp: true only for a local simulator)');
  });
}

/** Each project once, and each instance once across all projects. */
function duplicateProblems(config: CrossFieldInput, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  config.instances.forEach((instance, index) => {
    if (seen.has(instance.id)) addProblem(ctx, ['instances', index, 'id'], instance.id, 'each instance once');
    seen.add(instance.id);
  });
  const projects = new Set(config.dcs.projectId ? [config.dcs.projectId] : []);
  config.projects.forEach((project, p) => {
    if (projects.has(project.projectId)) addProblem(ctx, ['projects', p, 'projectId'], project.projectId, 'each project once (dcs.projectId included)');
    projects.add(project.projectId);
    project.instances.forEach((instance, index) => {
      if (seen.has(instance.id)) addProblem(ctx, ['projects', p, 'instances', index, 'id'], instance.id, 'each instance once, in one project');
      seen.add(instance.id);
    });
  });
}

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type InstanceRef = Config['instances'][number];
export type ProjectConfig = Config['projects'][number];
