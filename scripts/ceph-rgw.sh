#!/usr/bin/env bash
# A single-host Ceph cluster with the RADOS Gateway, for running the S3 tests against a second,
# independent S3 implementation (the first is the Swift that test/support/global-setup.ts starts).
#
#   scripts/ceph-rgw.sh start DIR   starts one mon, one memstore OSD and radosgw on 127.0.0.1,
#                                   on free ports, everything under DIR; writes DIR/env with the
#                                   S3_TEST_* variables (source it) and creates the bucket
#   scripts/ceph-rgw.sh stop DIR    stops those daemons (only the ones whose pid files are in DIR)
#
# Beyond the plain gateway the cluster carries what the storage settings need to be proven:
# storage classes STANDARD_IA and GLACIER_IR (placement targets on their own pools), SSE-KMS with
# RGW's testing key backend (key id `archive-key`), and buckets may be created with Object Lock.
# The configuration follows what worked on Debian 12's Ceph 16 (Pacific): auth off, every
# messenger mode `crc` (with the default secure mon mode radosgw fails with EACCES when auth is
# off), pool defaults for a single OSD, object name limits memstore accepts.
set -euo pipefail

command=${1:-}
dir=${2:-}
if [ -z "$command" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 2
fi

for program in ceph-mon ceph-osd radosgw radosgw-admin ceph monmaptool; do
  if ! command -v "$program" >/dev/null; then
    echo "ceph-rgw: $program is missing; run scripts/install-test-deps.sh (Debian packages ceph-mon ceph-osd radosgw ceph-common)" >&2
    exit 1
  fi
done

stop_daemons() {
  local name pid
  for name in radosgw osd mon; do
    [ -f "$dir/run/$name.pid" ] || continue
    pid=$(cat "$dir/run/$name.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/run/$name.pid"
  done
}

if [ "$command" = stop ]; then
  stop_daemons
  exit 0
fi
if [ "$command" != start ]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 2
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
# A stale admin socket or a second cluster in the same run dir keeps the OSD down: start clean.
stop_daemons
rm -rf "${dir:?}/run" "$dir/mon" "$dir/osd" "$dir/log" "$dir/env" "$dir/monmap"
mkdir -p "$dir/run" "$dir/mon" "$dir/osd" "$dir/log"

# Three distinct free loopback ports (held together until all are known).
read -r mon_port rgw_port _ < <(python3 -c '
import socket
held = [socket.socket() for _ in range(3)]
for s in held: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in held))
')

fsid=$(python3 -c 'import uuid; print(uuid.uuid4())')
osd_uuid=$(python3 -c 'import uuid; print(uuid.uuid4())')
access_key=archiver-test
secret_key=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')
kms_key=$(python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')
bucket=dcs-log-archiver-test
conf="$dir/ceph.conf"

cat >"$conf" <<EOF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
public network = 127.0.0.0/8
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
ms mon cluster mode = crc
ms mon service mode = crc
ms mon client mode = crc
ms cluster mode = crc
ms service mode = crc
ms client mode = crc
run dir = $dir/run
admin socket = $dir/run/\$cluster-\$name.asok
log file = $dir/log/\$name.log
keyring = $dir/keyring
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 2000
osd crush chooseleaf type = 0
mon warn on pool no redundancy = false
osd max object name len = 460
osd max object namespace len = 64

[mon]
mon data = $dir/mon/\$cluster-\$id

[osd]
osd data = $dir/osd/\$cluster-\$id
osd objectstore = memstore
memstore device bytes = 3221225472

[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw crypt require ssl = false
rgw crypt s3 kms backend = testing
rgw crypt s3 kms encryption keys = archive-key=$kms_key
rgw enable usage log = false
EOF
# Auth is off; the tools still want a keyring file to exist.
: >"$dir/keyring"

ceph_() { ceph -c "$conf" --connect-timeout 20 "$@"; }

echo "ceph-rgw: starting the mon on 127.0.0.1:$mon_port"
monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$dir/monmap" >/dev/null
ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" >/dev/null
ceph-mon -c "$conf" -i a --pid-file "$dir/run/mon.pid"

echo "ceph-rgw: starting the OSD"
osd_id=$(ceph_ osd new "$osd_uuid")
mkdir -p "$dir/osd/ceph-$osd_id"
if ! ceph-osd -c "$conf" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" >"$dir/log/osd-mkfs.out" 2>&1; then
  echo "ceph-rgw: creating the OSD failed:" >&2
  tail -n 20 "$dir/log/osd-mkfs.out" >&2
  exit 1
fi
ceph-osd -c "$conf" -i "$osd_id" --pid-file "$dir/run/osd.pid" 2>>"$dir/log/osd.stderr"
for attempt in $(seq 120); do
  if ceph_ osd stat 2>/dev/null | grep -q '1 up'; then break; fi
  if [ "$attempt" = 120 ]; then
    echo "ceph-rgw: the OSD did not come up in 60 s; see $dir/log/osd.$osd_id.log and $dir/log/mon.a.log" >&2
    ceph_ -s >&2 || true
    exit 1
  fi
  sleep 0.5
done

# Storage classes as placement targets of the default placement, each on its own data pool.
# Creating the user makes the default zone and zonegroup the placements are added to; radosgw
# reads them at its start.
radosgw_admin() { radosgw-admin -c "$conf" -n client.rgw "$@" >/dev/null; }
radosgw_admin user create --uid "$access_key" --display-name "dcs-log-archiver tests" --access-key "$access_key" --secret-key "$secret_key"
for class in STANDARD_IA GLACIER_IR; do
  pool="default.rgw.$(echo "$class" | tr 'A-Z_' 'a-z-').data"
  radosgw_admin zonegroup placement add --rgw-zonegroup default --placement-id default-placement --storage-class "$class"
  radosgw_admin zone placement add --rgw-zone default --placement-id default-placement --storage-class "$class" --data-pool "$pool"
done

echo "ceph-rgw: starting radosgw on 127.0.0.1:$rgw_port"
radosgw -c "$conf" -n client.rgw --pid-file "$dir/run/radosgw.pid"
# The first start creates the gateway's pools: tens of seconds on two cores.
for attempt in $(seq 240); do
  if python3 -c "import socket; socket.create_connection(('127.0.0.1', $rgw_port), 1).close()" 2>/dev/null; then break; fi
  if [ "$attempt" = 240 ]; then
    echo "ceph-rgw: radosgw did not listen on 127.0.0.1:$rgw_port in 120 s; see $dir/log/client.rgw.log" >&2
    exit 1
  fi
  sleep 0.5
done

cat >"$dir/env" <<EOF
export S3_TEST_ENDPOINT=http://127.0.0.1:$rgw_port
export S3_TEST_REGION=us-east-1
export S3_TEST_ACCESS_KEY_ID=$access_key
export S3_TEST_SECRET_ACCESS_KEY=$secret_key
export S3_TEST_BUCKET=$bucket
export S3_TEST_FORCE_PATH_STYLE=true
export S3_TEST_KMS_KEY_ID=archive-key
EOF

# The bucket, with any S3 client: the project's own SDK.
# shellcheck disable=SC1091
(source "$dir/env" && cd "$(dirname "$0")/.." && AWS_EC2_METADATA_DISABLED=true node --input-type=module -e '
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
const env = process.env;
const client = new S3Client({ endpoint: env.S3_TEST_ENDPOINT, region: env.S3_TEST_REGION, forcePathStyle: true,
  credentials: { accessKeyId: env.S3_TEST_ACCESS_KEY_ID, secretAccessKey: env.S3_TEST_SECRET_ACCESS_KEY } });
for (let attempt = 1; ; attempt++) {
  try { await client.send(new CreateBucketCommand({ Bucket: env.S3_TEST_BUCKET })); break; }
  catch (error) { if (attempt >= 60) throw error; await new Promise((resolve) => setTimeout(resolve, 1000)); }
}
client.destroy();
')
echo "ceph-rgw: ready at http://127.0.0.1:$rgw_port (bucket $bucket); source $dir/env"
