#!/bin/sh
# Starts Milvus.Akka with the roles in MILVUS_ROLES on remoting port MILVUS_PORT, joining the seed nodes listed in
# MILVUS_SEEDS (comma-separated akka.tcp://milvus@host:port; without seeds the node forms a cluster of its own, as the
# standalone server does). Every *.hocon file under /etc/milvus is layered over the shipped hocon/ files in name order
# (later files win), so an orchestrator mounts a shared cluster file and a role file (deploy/hocon). Extra arguments
# go to the server.
set -eu
config=$(mktemp)
for file in /etc/milvus/*.hocon; do
  if [ -e "$file" ]; then
    cat "$file" >> "$config"
    echo >> "$config"
  fi
done
set -- --roles "$MILVUS_ROLES" --port "$MILVUS_PORT" --data-dir "$MILVUS_DATA_DIR" --config "$config" "$@"
for seed in $(echo "${MILVUS_SEEDS:-}" | tr ',' ' '); do
  set -- "$@" --seed "$seed"
done
exec dotnet /app/Milvus.Akka.Server.dll "$@"
