#!/usr/bin/env bash
# Runs the Milvus Node SDK's own test files (from a scratch checkout, never copied into this repository) against a
# standalone Milvus.Akka server started here on a free port, then compares the failures with allow-list.tsv.
#
#   tests/compat/sdk-suite/run.sh --sdk DIR [--tag v2.5.12|v2.6.17|v3.0.3] [--tier core|types] [--timeout MS] [--out DIR] [FILE...]
#
# --sdk DIR   either an extracted SDK source tree with node_modules installed, or a bare git directory of
#             milvus-io/milvus-sdk-node: then --tag is exported into a temporary folder and its yarn lockfile installed.
# --tag       the SDK release; its failures are checked against the allow-list rows of that tag (first column).
# --timeout   jest's per-test and per-hook limit in ms (default 120000, the SDK's own).
# FILE        spec names without .spec.ts, under test/grpc/ or with their folder (http/fetch) (default: the tier's files). Build src/Milvus.Akka.Server (Release) first.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
sdk="" tag="v2.5.12" tier="core" out="" timeout=120000
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --sdk) sdk="$2"; shift 2 ;;
    --tag) tag="$2"; shift 2 ;;
    --tier) tier="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --timeout) timeout="$2"; shift 2 ;;
    *) files+=("$1"); shift ;;
  esac
done
[ -n "$sdk" ] || { echo "usage: $0 --sdk DIR [--tag TAG] [--tier core|types] [--timeout MS] [--out DIR] [FILE...]" >&2; exit 2; }
if [ ${#files[@]} -eq 0 ]; then
  case "$tier" in
    core) files=(Basic Collection Partition Alias Index Insert Data Upsert DynamicSchema Iterator MultipleVectors PartitionKey HighLevel Database) ;;
    types) files=(BinaryVector Float16Vector BFloat16Vector SparseVector.array SparseVector.coo SparseVector.csr SparseVector.dict ClusteringKey PartialLoad Replica) ;;
    *) echo "unknown tier $tier" >&2; exit 2 ;;
  esac
fi
work="$(mktemp -d)"
trap 'kill "${server_pid:-}" "${embedding_pid:-}" 2>/dev/null; wait "${server_pid:-}" 2>/dev/null; rm -rf "$work"' EXIT
out="${out:-$work/out}"; mkdir -p "$out"

# The SDK tree: an exported tag of a bare git directory, or a ready tree.
if git --git-dir="$sdk" rev-parse --git-dir >/dev/null 2>&1 && [ ! -d "$sdk/test" ]; then
  tree="$work/sdk"; mkdir -p "$tree"
  git --git-dir="$sdk" archive "$tag" | tar -x -C "$tree"
  # --ignore-engines: v2.6.17's lockfile pulls utilium 3.2.0, which declares node >= 22 but runs on the Node 20 here.
  (cd "$tree" && npx -y yarn@1.22.22 install --frozen-lockfile --ignore-scripts --ignore-engines >/dev/null)
else
  tree="$(cd "$sdk" && pwd)"
fi
# The SDK hard-codes its server address; make it read MILVUS_ADDRESS (in the scratch tree only).
sed -i "s#^export const IP = '127.0.0.1:19530';#export const IP = process.env.MILVUS_ADDRESS || '127.0.0.1:19530';#" "$tree/test/tools/ip.ts"
# Tags before v2.6.6 append each vector row to the field's array with Array.concat, which copies the whole array per
# row: quadratic, and on Node 20 every copy above 16,384 numbers is a fresh large-object allocation, so the client alone
# needs minutes of CPU for the 20,000-row inserts of the Iterator file (Node 20, 2 cores: 4,000 rows 0.4 s, 10,000 rows
# 12.6 s of client CPU before a byte is sent). Upstream fixed it in milvus-sdk-node#483 (v2.6.6) by pushing the row's
# values instead; the same one-line change is applied here. What goes on the wire is identical.
sed -i 's#field.data = field.data.concat(buildFieldData(rowData, field));#field.data.push(...(buildFieldData(rowData, field) as any[]));#' \
  "$tree/milvus/grpc/Data.ts"

. "$root/tests/compat/standalone-server.sh"
port="$(free_port)"
printf 'milvus.proxy.grpc.port = %s\nmilvus.management.port = 0\nakka.loglevel = WARNING\n' "$port" > "$work/server.hocon"
# The Import spec uploads its files to MinIO on 127.0.0.1:9000 (bucket a-bucket, minioadmin keys) and imports them:
# the server keeps its objects in that bucket, on a stand-in started here unless something already serves the port.
if printf '%s\n' "${files[@]}" | grep -qE '^(Import|BulkWriter.*)$'; then
  if ! (exec 3<>/dev/tcp/127.0.0.1/9000) 2>/dev/null; then
    mkdir -p "$work/minio"
    node "$here/minio-standin.js" "$work/minio" 9000 > "$out/minio.log" 2>&1 &
    minio_pid=$!
    trap 'kill "${server_pid:-}" "${minio_pid:-}" "${embedding_pid:-}" 2>/dev/null; wait "${server_pid:-}" 2>/dev/null; rm -rf "$work"' EXIT
    for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/9000) 2>/dev/null && break; sleep 0.2; done
  fi
  printf 'milvus.storage.objects = s3\nmilvus.storage.s3 { service-url = "http://127.0.0.1:9000", bucket = "a-bucket", access-key = minioadmin, secret-key = minioadmin }\n' >> "$work/server.hocon"
fi
start_standalone_server

# A name with a folder (http/fetch) is under test/; others are gRPC specs.
specs=(); for f in "${files[@]}"; do case "$f" in */*) specs+=("test/$f.spec.ts") ;; *) specs+=("test/grpc/$f.spec.ts") ;; esac; done
(cd "$tree" && MILVUS_ADDRESS="127.0.0.1:$port" NODE_ENV=dev npx jest --runInBand --testTimeout="$timeout" \
  --json --outputFile="$out/result.json" "${specs[@]}" > "$out/jest.log" 2>&1) || true

node "$here/summarize.js" "$out/result.json" "$here/allow-list.tsv" "$tag"
