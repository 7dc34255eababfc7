#!/usr/bin/env bash
# Installs (never starts) the servers the storage backend tests run on 127.0.0.1: etcd from Debian and
# s3rver from npm. Idempotent: a second run installs nothing. Test fixtures start and stop their own servers.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v etcd >/dev/null 2>&1; then
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq etcd-server >/dev/null
fi

# npm ci pins s3rver to package-lock.json; skip it when the locked tree is already in place.
if [ ! -f node_modules/s3rver/bin/s3rver.js ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
fi

echo "etcd: $(etcd --version | head -n 1)"
echo "s3rver: $(node -p "require('./node_modules/s3rver/package.json').version")"
