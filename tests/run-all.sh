#!/usr/bin/env bash
# Runs every test of Milvus.Akka on a fresh machine: installs what the tests need, then the whole suite.
# Usage: bash tests/run-all.sh   (extra arguments go to `dotnet test`, e.g. --filter Category!=Slow)
set -euo pipefail
cd "$(dirname "$0")/.."

# What the tests run against on 127.0.0.1: etcd and s3rver (tests start their own instances), Debian's chromium
# (the web console's browser test), and the official Milvus Node SDK whose protocol descriptors the gRPC tests
# compare with ours.
bash tests/setup/services.sh
(cd tests/compat && npm ci --no-audit --no-fund --loglevel=error)

log=$(mktemp)
trap 'rm -f "$log"' EXIT

dotnet test Milvus.Akka.sln -c Release "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# One closing line for the whole run, summed over the test projects.
awk '/(Passed|Failed)!  - Failed:/ {
       for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1)); if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
