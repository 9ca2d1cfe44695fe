#!/usr/bin/env bash
# Installs what the tests need beyond npm, from Debian: OpenStack Swift (with its s3api
# middleware), the real S3-compatible server test/support/swift.ts starts; Ceph's RADOS
# Gateway, the second S3 implementation CI runs the store and e2e tests against
# (scripts/ceph-rgw.sh); redis-server, whose real logs the event tests capture; and tmux, the
# terminal test's terminal. Safe to run again: each block does nothing when its programs are there.
# Swift is not needed when S3_TEST_ENDPOINT names another server.
set -euo pipefail

sudo=()
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then sudo=(sudo); fi
updated=no

# Installs the Debian packages named after `--` unless every program before it is on PATH.
ensure() {
  local label=$1 programs=() packages=() program missing=no
  shift
  while [ "$1" != -- ]; do programs+=("$1"); shift; done
  shift
  packages=("$@")
  for program in "${programs[@]}"; do command -v "$program" >/dev/null || missing=yes; done
  if [ "$missing" = no ]; then
    echo "install-test-deps: $label is already installed"
    return
  fi
  if ! command -v apt-get >/dev/null; then
    echo "install-test-deps: apt-get not found; install the Debian/Ubuntu packages ${packages[*]} by other means" >&2
    exit 1
  fi
  if [ "$(id -u)" -ne 0 ] && [ ${#sudo[@]} -eq 0 ]; then
    echo "install-test-deps: not root and no sudo; run as root: apt-get install ${packages[*]}" >&2
    exit 1
  fi
  echo "install-test-deps: installing ${packages[*]}"
  if [ "$updated" = no ]; then
    "${sudo[@]}" apt-get update
    updated=yes
  fi
  # RUNLEVEL=1 keeps a package's install from starting its service (redis-server would).
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y --no-install-recommends "${packages[@]}"
  for program in "${programs[@]}"; do
    if ! command -v "$program" >/dev/null; then
      echo "install-test-deps: $program is still missing after the install" >&2
      exit 1
    fi
  done
  echo "install-test-deps: $label installed"
}

# OpenStack Swift with s3api: the default bucket server of the test suite.
ensure Swift swift-proxy-server swift-object-server swift-container-server swift-account-server \
  -- swift-proxy swift-object swift-container swift-account

# Ceph RADOS Gateway (about 100 MB): the second S3 server CI runs against.
ensure 'Ceph RGW' ceph-mon ceph-osd radosgw radosgw-admin ceph monmaptool \
  -- ceph-mon ceph-osd radosgw ceph-common

# redis-server (with redis-cli): test/support/redis-logs.ts runs it on loopback ports to capture real logs.
ensure redis-server redis-server redis-cli -- redis-server

# tmux: test/e2e/terminal.test.ts runs the CLI in a tmux pane (a real terminal) and reads the screen.
ensure tmux tmux -- tmux
