/**
 * The configuration `init` writes: the keys a new user must decide, each with a comment, and
 * nothing else (every other key keeps the default config/default.yaml documents). As written
 * it validates; a pass refuses it with exit 2 until `instances` (or discovery) names something,
 * so an unedited starter can never archive to the example bucket.
 */
export const STARTER_CONFIG = `# dcs-log-archiver configuration (written by \`dcs-log-archiver init\`).
# Every key, with its default, is documented in config/default.yaml of the package and in the
# README. Precedence for each key: defaults < this file < environment < flags (--set key=value).
#
# Secrets never go in this file; they come from the environment:
#   DCS:    HUAWEICLOUD_SDK_AK + HUAWEICLOUD_SDK_SK (+ HUAWEICLOUD_SDK_SECURITY_TOKEN), or DCS_AUTH_TOKEN
#   Bucket: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (or any source of the AWS SDK's default chain)
#
# Try it: dcs-log-archiver archive --dry-run   (plans and prints; writes and triggers nothing)

dcs:
  region: cn-north-4                 # the endpoint is https://dcs.{region}.myhuaweicloud.com
  projectId: null                    # your project id, or set HUAWEICLOUD_SDK_PROJECT_ID

instances: []                        # the instances to archive: ids, or {id, name}; for example
#  - id: 5c597ce5-9823-48aa-bf4d-2defb9385b4a
#    name: orders-cache

discover:                            # or (also) every instance of the project these filters match
  enabled: false
  namePrefix: null                   # e.g. "prod-"

destination:
  url: s3://team-logs/dcs-runlogs/   # your bucket and prefix, or file:///var/lib/dcs-archive/
  endpoint: null                     # an S3-compatible endpoint (OBS: https://obs.{region}.myhuaweicloud.com); omit for AWS
  region: us-east-1
  forcePathStyle: false              # true for MinIO, Swift, Ceph and most self-hosted stores

schedule:                            # used by \`schedule\`: a pass every night
  cron: "17 3 * * *"
  timezone: UTC                      # or an IANA region name such as Asia/Shanghai
`;
