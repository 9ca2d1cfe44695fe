#!/usr/bin/env bash
# Runs the store contract suite and the e2e tier against Ceph's RADOS Gateway, the second,
# independent S3 implementation (the default runs use Swift): a single-host cluster is started
# for the run (scripts/ceph-rgw.sh) on free loopback ports, and always torn down at the end.
#
#   bash scripts/test-ceph-rgw.sh                 # needs dist/ (npm run build) for the e2e tier
#   bash scripts/test-ceph-rgw.sh --keep DIR      # leave the cluster's logs in DIR
#
# S3_TEST_STORAGE_SETTINGS=required tells the storage-setting tests (storage class, encryption,
# tags, Object Lock) that this server must support them: they run, and fail if it does not,
# rather than skip as they do against a server without them.
set -euo pipefail
cd "$(dirname "$0")/.."

keep=''
if [ "${1:-}" = --keep ]; then keep=${2:?--keep needs a directory}; fi
dir=${keep:-$(mktemp -d "${TMPDIR:-/tmp}/ceph-rgw-XXXXXX")}

teardown() {
  bash scripts/ceph-rgw.sh stop "$dir" || true
  if [ -z "$keep" ]; then rm -rf "$dir"; fi
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

started=$SECONDS
if ! bash scripts/ceph-rgw.sh start "$dir"; then
  echo "test-ceph-rgw: the Ceph cluster did not start; its logs:" >&2
  for log in "$dir"/log/*.log; do [ -f "$log" ] && { echo "== $log" >&2; tail -n 30 "$log" >&2; }; done
  exit 1
fi
echo "test-ceph-rgw: cluster up in $((SECONDS - started)) s"

# shellcheck disable=SC1091
source "$dir/env"
export AWS_EC2_METADATA_DISABLED=true
export S3_TEST_STORAGE_SETTINGS=required

npx vitest run --project contract test/contract/s3-store.test.ts test/contract/s3-completed-settings.test.ts test/contract/s3-object-reader.test.ts
npx vitest run --project e2e
echo "test-ceph-rgw: passed in $((SECONDS - started)) s"
