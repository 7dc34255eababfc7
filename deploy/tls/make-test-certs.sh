#!/usr/bin/env bash
# Creates a throw-away CA and certificates for TLS tests and trials (never for production): the gRPC edge
# (milvus.proxy.grpc.tls: server.pem/server.key, ca.pem; client.pem/client.key for tlsMode 2) and remoting between
# nodes (milvus.remoting.tls: one node-N.pem/node-N.key per node, ca.pem). Usage: make-test-certs.sh DIR [NODES]
# Certificates are for 127.0.0.1 and localhost, ECDSA P-256, valid 30 days. Add names to SAN for other hosts.
set -euo pipefail
dir=${1:?usage: make-test-certs.sh DIR [NODES]}
nodes=${2:-3}
mkdir -p "$dir" && cd "$dir"

openssl ecparam -name prime256v1 -genkey -noout -out ca.key
openssl req -x509 -new -key ca.key -sha256 -days 30 -subj "/CN=milvus-akka-test-ca" -out ca.pem \
  -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign"

issue() {
  openssl ecparam -name prime256v1 -genkey -noout -out "$1.key"
  openssl req -new -key "$1.key" -subj "/CN=$1" -out "$1.csr"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -sha256 -out "$1.pem" \
    -extfile <(printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:false\nkeyUsage=critical,digitalSignature,keyAgreement\nextendedKeyUsage=serverAuth,clientAuth\n')
  rm "$1.csr"
}

issue server
issue client
for n in $(seq 1 "$nodes"); do issue "node-$n"; done
# Keep ca.key away from the nodes: it is only needed to issue more certificates.
echo "certificates in $dir: ca.pem, server.pem/key, client.pem/key, node-1..$nodes.pem/key"
