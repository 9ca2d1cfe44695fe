#!/usr/bin/env bash
# Installs what the tests need beyond npm: Debian's redis-server, tmux, and OpenStack Swift (with
# its s3api middleware) from Debian, the real S3-compatible server test/support/swift.ts starts.
# Safe to run again: it does nothing when they are already there. Swift is not needed when
# S3_TEST_ENDPOINT names another server.
set -euo pipefail

# Debian's redis-server (with redis-cli), which test/support/redis-logs.ts runs on loopback ports
# to capture real Redis logs. RUNLEVEL=1 keeps the package's install from starting a server.
if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then
  echo "install-test-deps: redis-server is already installed"
else
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then as_root=(sudo); fi
  echo "install-test-deps: installing redis-server"
  "${as_root[@]}" apt-get update
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y --no-install-recommends redis-server
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null \
    || { echo "install-test-deps: redis-server or redis-cli is still missing after the install" >&2; exit 1; }
fi

# tmux: test/e2e/terminal.test.ts runs the CLI in a tmux pane (a real terminal) and reads the screen.
if ! command -v tmux >/dev/null; then
  if ! command -v apt-get >/dev/null; then
    echo "install-test-deps: apt-get not found; install tmux by other means" >&2
    exit 1
  fi
  as_root=()
  [ "$(id -u)" -eq 0 ] || as_root=(sudo)
  echo "install-test-deps: installing tmux"
  "${as_root[@]}" apt-get update
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tmux
fi

packages=(swift-proxy swift-object swift-container swift-account)

if command -v swift-proxy-server >/dev/null && command -v swift-object-server >/dev/null \
  && command -v swift-container-server >/dev/null && command -v swift-account-server >/dev/null; then
  echo "install-test-deps: Swift is already installed"
  exit 0
fi

if ! command -v apt-get >/dev/null; then
  echo "install-test-deps: apt-get not found; install the Debian/Ubuntu packages ${packages[*]} by other means, or set S3_TEST_ENDPOINT" >&2
  exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null; then
    echo "install-test-deps: not root and no sudo; run as root: apt-get install ${packages[*]}" >&2
    exit 1
  fi
  sudo=(sudo)
fi

echo "install-test-deps: installing ${packages[*]}"
"${sudo[@]}" apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}"

for program in swift-proxy-server swift-object-server swift-container-server swift-account-server; do
  if ! command -v "$program" >/dev/null; then
    echo "install-test-deps: $program is still missing after the install" >&2
    exit 1
  fi
done
echo "install-test-deps: Swift installed"
