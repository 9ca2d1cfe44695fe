import { z } from 'zod';

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

const instanceId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'an instance id: letters, digits, ".", "_" or "-" (a UUID in DCS)');

const instanceEntry = z.union([
  instanceId.transform((id) => ({ id, name: undefined as string | undefined })),
  z.strictObject({ id: instanceId, name: z.string().min(1).max(200).optional() }),
]);

const discoverSchema = z
  .strictObject({
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
    tags: z.record(z.string().min(1).max(128), z.string().max(255)).default({}),
    status: z.string().min(1).nullable().default('RUNNING'),
    exclude: z.array(instanceId).default([]),
  });

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]{0,127}$/, 'an environment variable name, e.g. PROD_HUAWEICLOUD_SDK_AK');

/** Another project (or region) archived by the same process; unset keys come from `dcs`. */
const projectSchema = z.strictObject({
  projectId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a project id (32 hex characters in Huawei Cloud)'),
  region: z
    .string()
    .regex(/^[a-z]{2,}(-[a-z]+)+-\d+$/, 'a Huawei Cloud region such as cn-north-4 or ap-southeast-1')
    .optional(),
  endpoint: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).nullable().optional(),
  /** Names of the environment variables holding this project's credentials (default: the usual ones). */
  credentialsEnv: z
    .union([
      z.strictObject({ ak: envName, sk: envName, securityToken: envName.optional() }),
      z.strictObject({ token: envName }),
    ])
    .optional(),
  instances: z.array(instanceEntry).default([]),
  discover: discoverSchema.prefault({ enabled: false }),
});

const seconds = (min: number, max: number, fallback: number) => z.number().int().min(min).max(max).default(fallback);

export const configSchema = z.strictObject({
  dcs: z
    .strictObject({
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
      requestsPerSecond: z.number().min(0.2).max(1000).default(50),
      retry: z
        .strictObject({
          attempts: z.number().int().min(1).max(20).default(5),
          baseDelayMs: z.number().int().min(1).max(60_000).default(500),
          maxDelayMs: z.number().int().min(1).max(600_000).default(30_000),
        })
        .prefault({}),
      timeouts: z
        .strictObject({
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
  collect: z
    .strictObject({
      enabled: z.boolean().default(true),
      waitSeconds: seconds(0, 86_400, 300),
    })
    .prefault({}),
  archive: z
    .strictObject({
      concurrency: z.number().int().min(1).max(256).default(8),
      includeOpenDay: z.boolean().default(false),
      keyTemplate: z.string().min(1).max(512).default('{instanceId}/{date}/{fileName}'),
      compression: z.enum(['none', 'gzip']).default('none'),
      partSizeMiB: z.number().int().min(5).max(512).default(5),
    })
    .prefault({}),
  destination: z
    .strictObject({
      url: z.string().regex(/^(s3|file):\/\/./, 's3://bucket/prefix/ or file:///path/'),
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
    }),
  schedule: z
    .strictObject({
      cron: z.string().min(1).default('17 3 * * *'),
      timezone: z.string().min(1).default('UTC'),
      runOnStart: z.boolean().default(false),
      maxRandomDelaySeconds: seconds(0, 3600, 0),
    })
    .prefault({}),
  shutdown: z
    .strictObject({
      graceSeconds: seconds(0, 3600, 25),
    })
    .prefault({}),
  server: z
    .strictObject({
      port: z.number().int().min(0).max(65_535).nullable().default(9464),
      host: z.string().min(1).default('0.0.0.0'),
    })
    .prefault({}),
  metrics: z
    .strictObject({
      pushgatewayUrl: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).nullable().default(null),
      jobName: z.string().regex(/^[A-Za-z0-9_:-]{1,100}$/, 'a Prometheus job name').default('dcs-log-archiver'),
    })
    .prefault({}),
  sharding: z
    .strictObject({
      count: z.number().int().min(1).max(10_000).nullable().default(null),
    })
    .prefault({}),
});

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type InstanceRef = Config['instances'][number];
export type ProjectConfig = Config['projects'][number];
