#!/usr/bin/env bash
# The image's runtime stage, rebuilt without Docker, and a real pass run in it.
#
#   bash scripts/container-smoke.sh        (from a clone after `npm ci`; builds dist/ if missing)
#
# In a fresh temporary directory it copies exactly what the Dockerfile's runtime stage copies
# (RUNTIME_FILES below; test/unit/deploy/manifests.test.ts checks the two agree), installs the
# production dependencies only (`npm ci --omit=dev`, as the prod-deps stage does) and checks that
# no dev dependency came along, and that no simulator file came along either. Then, against the
# DCS simulator, started from the repository's sim/ (outside the runtime tree: the image does not
# carry it) by the repository's tsx:
#   1. `node dist/cli.js archive --config FILE` into a file:// destination: exit 0, and the
#      destination holds manifests/ (one per instance), records/ and runs/;
#   2. a second pass, configured through ARCHIVER_CONFIG as the Kubernetes pods are: exit 0,
#      and it uploads nothing;
#   3. a configuration error exits 2, and so does a run with no configuration at all;
#   4. once `schedule` exists: /healthz answers 200 to the Dockerfile's own HEALTHCHECK command,
#      /readyz and /metrics answer, and SIGTERM ends it with exit 0 within 30 s;
#   5. once `archive` takes --shard: 3 shards via JOB_COMPLETION_INDEX + sharding.count (as an
#      Indexed Job runs them) archive every instance exactly once.
# The app directory is made read-only and, when this runs as root, the archiver runs as the
# unprivileged user nobody (as the image runs as uid 1000), with HOME in the read-only app and
# TMPDIR in a scratch directory: any write outside the destination and TMPDIR fails the pass,
# and a before/after listing of the app directory must match. No secret may reach the output.
set -euo pipefail

# What the Dockerfile's runtime stage copies besides node_modules (which npm ci --omit=dev makes).
RUNTIME_FILES=(dist config package.json package-lock.json)
# Dev dependencies that must not be in the production node_modules.
DEV_ONLY=(vitest typescript tsx eslint @types/node)

cd "$(dirname "$0")/.."
repo=$(pwd)
started=$SECONDS

step() { printf '\n== container-smoke: %s\n' "$*"; }
fail() {
  printf '\ncontainer-smoke: FAILED: %s\n' "$*" >&2
  exit 1
}

command -v node >/dev/null || fail "node is not on PATH"
command -v npm >/dev/null || fail "npm is not on PATH"

[ -d node_modules ] || fail "node_modules/ is missing: run npm ci first (the simulator runs from sim/ under tsx, a dev dependency)"
[ -f node_modules/tsx/package.json ] || fail "node_modules/ has no tsx: run npm ci (with dev dependencies) first"
if [ ! -f dist/cli.js ]; then
  step "dist/ is missing: npm run build"
  npm run build || fail "npm run build failed"
fi
for path in "${RUNTIME_FILES[@]}"; do
  [ -e "$path" ] || fail "$path is missing from the work tree, but the image copies it"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dcs-archiver-smoke.XXXXXX")
sim_pid=''
sched_pid=''
cleanup() {
  local code=$?
  if [ -n "$sched_pid" ]; then kill "$sched_pid" 2>/dev/null || true; fi
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  chmod -R u+w "$tmp" 2>/dev/null || true
  if [ "$code" -ne 0 ] && [ -n "${KEEP_SMOKE_DIR:-}" ]; then
    echo "container-smoke: kept $tmp" >&2
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT

app=$tmp/app           # the image's /app
work=$tmp/work         # the simulator helper, its answer, the configs, the logs
dest=$tmp/archive      # the file:// destination (a mounted volume in a real deployment)
scratch=$tmp/tmp       # TMPDIR (the emptyDir at /tmp)
mkdir -p "$app" "$work" "$dest" "$scratch"

step "copy the runtime stage's files: ${RUNTIME_FILES[*]}"
cp -R "${RUNTIME_FILES[@]}" "$app"/

step "npm ci --omit=dev (production dependencies only)"
(cd "$app" && npm ci --omit=dev --no-audit --no-fund) \
  || fail "npm ci --omit=dev failed in the runtime copy (the image's prod-deps stage runs the same command and would fail too: see npm's message above)"
for dev in "${DEV_ONLY[@]}"; do
  [ ! -e "$app/node_modules/$dev" ] || fail "dev dependency $dev is in the production node_modules"
done
node -e '
  const fs = require("node:fs"), path = require("node:path");
  const app = process.argv[1];
  const pkg = JSON.parse(fs.readFileSync(path.join(app, "package.json"), "utf8"));
  const missing = Object.keys(pkg.dependencies ?? {}).filter((name) => !fs.existsSync(path.join(app, "node_modules", name, "package.json")));
  if (missing.length > 0) { console.error("production dependencies missing: " + missing.join(", ")); process.exit(1); }
' "$app" || fail "the production node_modules lacks a dependency"
echo "node_modules: $(find "$app/node_modules" -mindepth 1 -maxdepth 1 ! -name '.*' | wc -l) top-level entries, none of: ${DEV_ONLY[*]}"
# The simulator is a test and demo server: neither the image nor the package carries it.
sim_files=$(cd "$app" && find . -path ./node_modules -prune -o \( -path './sim' -o -path './dist/sim' -o -name 'demo.js' \) -print)
[ -z "$sim_files" ] || fail "the runtime tree carries simulator files (a stale dist/? npm run build starts from an empty one): $sim_files"

# Who runs the archiver: nobody when we are root (root ignores file modes, so a read-only app
# directory would prove nothing), else the current user.
run_as=()
if [ "$(id -u)" -eq 0 ]; then
  if command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups node --version >/dev/null 2>&1; then
    run_as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  elif command -v runuser >/dev/null && runuser -u nobody -- node --version >/dev/null 2>&1; then
    run_as=(runuser -u nobody --)
  else
    echo "container-smoke: note: running as root (neither setpriv nor runuser could run node as nobody);"
    echo "container-smoke: note: the read-only app directory is then checked by the before/after listing only"
  fi
  # nobody must reach the work tree, write the destination and TMPDIR, and nothing else.
  chmod 0755 "$tmp" "$work"
  chmod 0777 "$dest" "$scratch"
fi
runner="uid $(${run_as[@]+"${run_as[@]}"} id -u)"

step "start the DCS simulator (the repository's sim/, demo fleet)"
cat >"$work/sim.mjs" <<'EOF'
// Starts the repository's simulator with the demo fleet and writes what a client needs to a file.
// Run with tsx's loader (node --import tsx), which lets it import sim/'s TypeScript as it is.
import { randomBytes } from 'node:crypto';
import { writeFileSync, renameSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const [repoDir, outFile] = process.argv.slice(2);
const { DcsSimulator, seedDemoFleet } = await import(pathToFileURL(`${repoDir}/sim/index.ts`).href);
const projectId = '0d3c5a1b2e4f46a7b8c9d0e1f2a3b4c5';
const ak = `SMOKE${randomBytes(8).toString('hex').toUpperCase()}`;
const sk = randomBytes(24).toString('base64url');
const sim = await DcsSimulator.start({ credentials: { ak, sk } });
const fleet = seedDemoFleet(sim, projectId, Date.now());
const answer = { endpoint: sim.endpoint, ak, sk, projectId, instances: fleet.instances.map((i) => ({ id: i.id, name: i.name })), logs: fleet.logs.length };
writeFileSync(`${outFile}.part`, JSON.stringify(answer));
renameSync(`${outFile}.part`, outFile);
const stop = () => void sim.close();
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
EOF
# From the repository, so that `--import tsx` resolves to its node_modules/tsx.
(cd "$repo" && exec node --import tsx "$work/sim.mjs" "$repo" "$work/sim.json") >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 100); do
  [ -f "$work/sim.json" ] && break
  kill -0 "$sim_pid" 2>/dev/null || { cat "$work/sim.log" >&2; fail "the simulator exited before it was ready"; }
  sleep 0.1
done
[ -f "$work/sim.json" ] || { cat "$work/sim.log" >&2; fail "the simulator was not ready after 10 s"; }
sim_field() { node -e 'const a = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")); const v = a[process.argv[2]]; console.log(typeof v === "object" ? JSON.stringify(v) : v)' "$work/sim.json" "$1"; }
sim_endpoint=$(sim_field endpoint)
sim_ak=$(sim_field ak)
sim_sk=$(sim_field sk)
instance_count=$(node -e 'console.log(JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")).instances.length)' "$work/sim.json")
echo "simulator at $sim_endpoint: $instance_count instances, $(sim_field logs) run logs"

# shellcheck disable=SC2016 # the single-quoted scripts are JavaScript, with JavaScript's ${...}
# A config in JSON (which is YAML): the simulator, the file:// destination, no collection.
write_config() { # write_config FILE DESTINATION_DIR
  node -e '
    const fs = require("node:fs");
    const [simFile, out, destDir] = process.argv.slice(1);
    const sim = JSON.parse(fs.readFileSync(simFile, "utf8"));
    fs.writeFileSync(out, JSON.stringify({
      dcs: { endpoint: sim.endpoint, projectId: sim.projectId, allowHttp: true },
      instances: sim.instances,
      collect: { enabled: false },
      archive: { concurrency: 4 },
      destination: { url: `file://${destDir}/` },
    }, null, 2) + "\n");
  ' "$work/sim.json" "$1" "$2"
  chmod 0644 "$1"
}
write_config "$work/config.yaml" "$dest"

# The archiver's environment: nothing from ours but PATH, as in a container.
run_archiver() { # run_archiver LOGFILE [VAR=value...] -- ARGS...
  local log=$1
  shift
  local vars=()
  while [ "$1" != "--" ]; do
    vars+=("$1")
    shift
  done
  shift
  set +e
  (cd "$app" && ${run_as[@]+"${run_as[@]}"} env -i PATH="$PATH" HOME="$app" TMPDIR="$scratch" NODE_ENV=production LOG_FORMAT=json \
    HUAWEICLOUD_SDK_AK="$sim_ak" HUAWEICLOUD_SDK_SK="$sim_sk" ${vars[@]+"${vars[@]}"} node dist/cli.js "$@") >"$log" 2>&1
  local code=$?
  set -e
  return $code
}
show_log() { echo "--- $1 (last 40 lines)" >&2; tail -n 40 "$1" >&2; }

listing() { (cd "$1" && find . -printf '%y %m %s %T@ %p\n' | LC_ALL=C sort); }

step "make the app directory read-only; the archiver runs as $runner"
chmod -R a-w "$app"
listing "$app" >"$work/app-before.txt"

step "pass 1: node dist/cli.js archive --config <file:// destination>"
code=0
run_archiver "$work/pass1.log" -- archive --config "$work/config.yaml" || code=$?
[ "$code" -eq 0 ] || { show_log "$work/pass1.log"; fail "pass 1 exited $code, expected 0"; }
for dir in manifests records runs; do
  [ -d "$dest/$dir" ] || { show_log "$work/pass1.log"; fail "the destination has no $dir/ after pass 1"; }
done
manifests=$(find "$dest/manifests" -name '*.json' | wc -l)
[ "$manifests" -eq "$instance_count" ] || fail "expected $instance_count manifests, found $manifests"
[ "$(find "$dest/runs" -name '*.json' | wc -l)" -eq 1 ] || fail "expected 1 run report after pass 1"
objects_after_pass1=$(cd "$dest" && find . -type f ! -path './runs/*' ! -path './manifests/*' | LC_ALL=C sort)
echo "pass 1: exit 0; $manifests manifests, $(find "$dest/records" -name '*.json' | wc -l) records, 1 run report"

step "pass 2: configured through ARCHIVER_CONFIG; must upload nothing"
code=0
run_archiver "$work/pass2.log" ARCHIVER_CONFIG="$work/config.yaml" -- archive || code=$?
[ "$code" -eq 0 ] || { show_log "$work/pass2.log"; fail "pass 2 exited $code, expected 0"; }
objects_after_pass2=$(cd "$dest" && find . -type f ! -path './runs/*' ! -path './manifests/*' | LC_ALL=C sort)
[ "$objects_after_pass1" = "$objects_after_pass2" ] || fail "pass 2 changed the logs or records: a re-run must upload nothing"
[ "$(find "$dest/runs" -name '*.json' | wc -l)" -eq 2 ] || fail "expected 2 run reports after pass 2"
echo "pass 2: exit 0; nothing new uploaded"

step "a configuration error exits 2"
code=0
run_archiver "$work/usage.log" -- archive --config "$work/config.yaml" --set archive.concurrency=0 || code=$?
[ "$code" -eq 2 ] || { show_log "$work/usage.log"; fail "--set archive.concurrency=0 exited $code, expected 2"; }
echo "exit 2"

step "no configuration at all exits 2 naming the three ways to give one (the image's config/default.yaml only documents)"
code=0
run_archiver "$work/noconfig.log" -- archive || code=$?
[ "$code" -eq 2 ] || { show_log "$work/noconfig.log"; fail "archive without a configuration exited $code, expected 2"; }
for way in '--config FILE' 'ARCHIVER_CONFIG' './dcs-log-archiver.yaml'; do
  grep -qF -- "$way" "$work/noconfig.log" || { show_log "$work/noconfig.log"; fail "the message does not name $way"; }
done
echo "exit 2"

help_text=$(cd "$app" && env -i PATH="$PATH" node dist/cli.js --help) || fail "node dist/cli.js --help failed"
version=$(cd "$app" && env -i PATH="$PATH" node dist/cli.js --version) || fail "node dist/cli.js --version failed"
expected_version=$(node -p 'require(process.argv[1]).version' "$app/package.json")
[ "$version" = "$expected_version" ] || fail "--version printed $version, package.json says $expected_version"

step "schedule: health endpoints, the Dockerfile's HEALTHCHECK, SIGTERM"
if grep -qE '^  dcs-log-archiver schedule ' <<<"$help_text"; then
  port=$(node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
  # The HEALTHCHECK's own command, from the Dockerfile, pointed at this port.
  healthcheck=$(node -e '
    const text = require("node:fs").readFileSync(process.argv[1], "utf8").replace(/\\\n/g, " ");
    const m = /^HEALTHCHECK\b.*?\bCMD\s+(\[.*\])\s*$/m.exec(text);
    if (!m) process.exit(1);
    const argv = JSON.parse(m[1]);
    if (argv[0] !== "node" || argv[1] !== "-e") process.exit(1);
    console.log(argv[2].replace(":9464/", ":" + process.argv[2] + "/"));
  ' "$repo/Dockerfile" "$port") || fail "no HEALTHCHECK CMD [\"node\", \"-e\", ...] in the Dockerfile"
  (cd "$app" && exec ${run_as[@]+"${run_as[@]}"} env -i PATH="$PATH" HOME="$app" TMPDIR="$scratch" NODE_ENV=production LOG_FORMAT=json \
    HUAWEICLOUD_SDK_AK="$sim_ak" HUAWEICLOUD_SDK_SK="$sim_sk" \
    node dist/cli.js schedule --config "$work/config.yaml" --set "server.port=$port") >"$work/schedule.log" 2>&1 &
  sched_pid=$!
  healthy=''
  for _ in $(seq 1 100); do
    kill -0 "$sched_pid" 2>/dev/null || { show_log "$work/schedule.log"; fail "schedule exited before /healthz answered"; }
    if node -e "$healthcheck" 2>/dev/null; then healthy=1; break; fi
    sleep 0.1
  done
  [ -n "$healthy" ] || { show_log "$work/schedule.log"; fail "the HEALTHCHECK command did not pass within 10 s (schedule on port $port)"; }
  for path in readyz metrics; do
    status=$(node -e 'fetch(process.argv[1]).then((r) => console.log(r.status), (e) => { console.log("no answer: " + e.message); })' "http://127.0.0.1:$port/$path")
    [[ "$status" =~ ^[0-9]+$ ]] || fail "/$path: $status"
    echo "/$path: HTTP $status"
    [ "$path" != metrics ] || [ "$status" -eq 200 ] || fail "/metrics answered $status, expected 200"
  done
  kill -TERM "$sched_pid"
  code=''
  for _ in $(seq 1 300); do
    if ! kill -0 "$sched_pid" 2>/dev/null; then
      set +e
      wait "$sched_pid"
      code=$?
      set -e
      break
    fi
    sleep 0.1
  done
  sched_pid_was=$sched_pid
  sched_pid=''
  [ -n "$code" ] || { kill -KILL "$sched_pid_was" 2>/dev/null || true; show_log "$work/schedule.log"; fail "schedule was still running 30 s after SIGTERM (the pods' terminationGracePeriodSeconds)"; }
  [ "$code" -eq 0 ] || { show_log "$work/schedule.log"; fail "schedule exited $code after SIGTERM, expected 0"; }
  echo "healthy, then exit 0 after SIGTERM"
else
  echo "SKIPPED: this build has no schedule command yet"
fi

step "shards: JOB_COMPLETION_INDEX 0..2 with sharding.count=3, as an Indexed Job runs them"
if grep -E '^  dcs-log-archiver archive ' <<<"$help_text" | grep -q -- '--shard'; then
  shard_dest=$tmp/archive-sharded
  mkdir -p "$shard_dest"
  chmod 0777 "$shard_dest"
  write_config "$work/config-sharded.yaml" "$shard_dest"
  for index in 0 1 2; do
    code=0
    run_archiver "$work/shard-$index.log" JOB_COMPLETION_INDEX=$index -- archive --config "$work/config-sharded.yaml" --set sharding.count=3 || code=$?
    [ "$code" -eq 0 ] || { show_log "$work/shard-$index.log"; fail "shard $index/3 exited $code, expected 0"; }
  done
  shard_manifests=$(find "$shard_dest/manifests" -name '*.json' 2>/dev/null | wc -l)
  [ "$shard_manifests" -eq "$instance_count" ] || fail "3 shards wrote $shard_manifests manifests, expected one per instance ($instance_count)"
  sharded_objects=$(cd "$shard_dest" && find . -type f ! -path './runs/*' ! -path './manifests/*' | LC_ALL=C sort)
  [ "$sharded_objects" = "$objects_after_pass1" ] || fail "3 shards together did not archive exactly what one unsharded pass did"
  # Each shard's run report names only its own instances: no instance is in two shards.
  # shellcheck disable=SC2016 # JavaScript's ${...}
  node -e '
    const fs = require("node:fs"), path = require("node:path");
    const [runs, total] = [process.argv[1], Number(process.argv[2])];
    const seen = new Map();
    for (const name of fs.readdirSync(runs)) {
      const report = JSON.parse(fs.readFileSync(path.join(runs, name), "utf8"));
      for (const { instanceId } of report.instances) {
        if (seen.has(instanceId)) { console.error(`instance ${instanceId} is in two shards (${seen.get(instanceId)}, ${name})`); process.exit(1); }
        seen.set(instanceId, name);
      }
    }
    if (seen.size !== total) { console.error(`the shards covered ${seen.size} instances, expected ${total}`); process.exit(1); }
    console.log(`shard sizes: ${fs.readdirSync(runs).map((name) => [...seen.values()].filter((n) => n === name).length).join(" + ")} = ${total} instances`);
  ' "$shard_dest/runs" "$instance_count" || fail "the shards are not a partition of the instances"
  echo "3 shards: exit 0 each; a partition of the instances; together exactly the unsharded pass's files"
else
  echo "SKIPPED: this build's archive takes no --shard yet"
fi

step "no writes outside the destination and TMPDIR; no secret in the output"
listing "$app" >"$work/app-after.txt"
if ! diff -u "$work/app-before.txt" "$work/app-after.txt" >"$work/app-diff.txt"; then
  cat "$work/app-diff.txt" >&2
  fail "the archiver changed its app directory (the image's root filesystem is read-only)"
fi
if grep -lF -e "$sim_sk" "$work"/*.log "$dest/runs"/*.json >/dev/null 2>&1; then
  fail "the simulator's secret key appears in: $(grep -lF -e "$sim_sk" "$work"/*.log "$dest/runs"/*.json | tr '\n' ' ')"
fi
echo "app directory unchanged; secret key in no log or run report"

printf '\ncontainer-smoke: OK in %ss (node %s, archiver %s, as %s)\n' "$((SECONDS - started))" "$(node --version)" "$version" "$runner"
