#!/usr/bin/env bash
# Makes a fresh clone ready for `npm test` / `npm run bench:*`: installs the npm dependencies
# from the lockfile when they are missing or stale, and the system packages the tests run as
# real peers (Debian's etcd-server; redis-server for the control plane) when they are missing and
# this user may install them.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi

# The control plane's Prisma client is generated code (never committed); cheap when up to date.
npm run prisma:generate --workspace control-plane --silent

if ! command -v etcd >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing etcd-server (a real peer for the benchmark and its smoke test)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends etcd-server etcd-client
  else
    echo "setup: etcd is missing; install it with: sudo apt-get install -y etcd-server etcd-client" >&2
    exit 1
  fi
fi

# Redis for the control plane's BullMQ queues (tests and `npm start` start redis-server themselves).
if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing redis-server (BullMQ's store for the control plane)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server
  else
    echo "setup: redis-server is missing; install it with: sudo apt-get install -y redis-server" >&2
    exit 1
  fi
fi

# Chromium for the portal's browser tests and its benchmark (`setup.sh --browser`; `npm start`
# does not need it). playwright-core drives Debian's build; it downloads no browser itself.
# fonts-noto-cjk: the Chinese screens' screenshots show characters, not empty boxes.
if [ "${1:-}" = "--browser" ] && { ! command -v chromium >/dev/null 2>&1 || [ ! -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ]; }; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing chromium and a CJK font (the portal's browser tests)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk
  else
    echo "setup: chromium or fonts-noto-cjk is missing; install them with: sudo apt-get install -y chromium fonts-noto-cjk" >&2
    exit 1
  fi
fi
