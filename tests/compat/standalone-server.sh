# Sourced by the SDK suite runners: starts the built standalone server (src/Milvus.Akka.Server, Release) with
# $work/server.hocon, serving on $port, after a stand-in for OpenAI's embeddings API (text embedding functions name
# provider openai; the server passes the key as Milvus does, MILVUSAI_OPENAI_API_KEY). Needs $root, $work, $out and
# $port; sets $server_pid and $embedding_pid, which the caller's exit trap stops.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_standalone_server() {
  local embedding_port
  embedding_port="$(free_port)"
  node "$root/tests/compat/sdk-suite/embedding-standin.js" "$embedding_port" sk-standin > "$out/embedding.log" 2>&1 &
  embedding_pid=$!
  printf 'milvus.proxy.text-embedding.providers.openai.url = "http://127.0.0.1:%s/v1/embeddings"\n' "$embedding_port" >> "$work/server.hocon"
  MILVUSAI_OPENAI_API_KEY=sk-standin dotnet "$root/src/Milvus.Akka.Server/bin/Release/net10.0/Milvus.Akka.Server.dll" \
    --data-dir "$work/data" --config "$work/server.hocon" > "$out/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    kill -0 "$server_pid" 2>/dev/null || { echo "server exited; see $out/server.log" >&2; exit 1; }
    sleep 0.5
  done
  echo "server did not open port $port; see $out/server.log" >&2; exit 1
}
