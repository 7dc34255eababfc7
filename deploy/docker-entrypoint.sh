#!/bin/sh
# Starts Milvus.Akka with the roles in MILVUS_ROLES on remoting port MILVUS_PORT, joining the seed nodes listed in
# MILVUS_SEEDS (comma-separated akka.tcp://milvus@host:port; without seeds the node forms a cluster of its own, as the
# standalone server does). Every *.hocon file under /etc/milvus is layered over the shipped hocon/ files in name order
# (later files win), so an orchestrator mounts a shared cluster file and a role file (deploy/hocon); the MILVUS_*
# variables below come last. Extra arguments go to the server.
set -eu
config=$(mktemp)
for file in /etc/milvus/*.hocon; do
  if [ -e "$file" ]; then
    cat "$file" >> "$config"
    echo >> "$config"
  fi
done
# The environment wins over the files: addresses that differ per node or per deployment, and secrets.
setting() {
  if [ -n "$2" ]; then
    printf '%s = "%s"\n' "$1" "$(printf '%s' "$2" | sed 's/[\\"]/\\&/g')" >> "$config"
  fi
}
setting akka.remote.dot-netty.tcp.hostname "${MILVUS_HOSTNAME:-}"
setting milvus.storage.etcd.endpoints "${MILVUS_ETCD_ENDPOINTS:-}"
setting milvus.storage.s3.service-url "${MILVUS_S3_URL:-}"
setting milvus.storage.s3.access-key "${MILVUS_S3_ACCESS_KEY:-}"
setting milvus.storage.s3.secret-key "${MILVUS_S3_SECRET_KEY:-}"
setting akka.persistence.journal.kafka.bootstrap-servers "${MILVUS_KAFKA_BOOTSTRAP_SERVERS:-}"
set -- --roles "$MILVUS_ROLES" --port "$MILVUS_PORT" --data-dir "$MILVUS_DATA_DIR" --config "$config" "$@"
for seed in $(echo "${MILVUS_SEEDS:-}" | tr ',' ' '); do
  set -- "$@" --seed "$seed"
done
exec dotnet /app/Milvus.Akka.Server.dll "$@"
