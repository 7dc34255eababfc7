#!/usr/bin/env bash
# Installs (never starts) what the tests run on 127.0.0.1: etcd from Debian and s3rver from npm for the storage
# backend tests, Debian's chromium, the headless browser the web console test drives through Playwright (which
# then downloads no browser of its own), and ICU's library for the icu tokenizer where it is missing. Idempotent: a second run installs nothing. Test fixtures start and stop
# their own servers.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
if ! command -v etcd >/dev/null 2>&1; then missing+=(etcd-server); fi
if [ ! -x /usr/bin/chromium ]; then missing+=(chromium); fi
# The icu tokenizer runs the system's ICU library (libicuuc), which .NET on Linux normally brings along.
if ! ls /usr/lib/*/libicuuc.so.* /usr/lib/libicuuc.so.* >/dev/null 2>&1; then missing+=(libicu-dev); fi
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# npm ci pins s3rver to package-lock.json; skip it when the locked tree is already in place.
if [ ! -f node_modules/s3rver/bin/s3rver.js ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
fi

echo "etcd: $(etcd --version | head -n 1)"
echo "s3rver: $(node -p "require('./node_modules/s3rver/package.json').version")"
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null)"
