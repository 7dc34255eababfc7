#!/usr/bin/env bash
# One-time setup of the index bench CLI (Debian 12, as root). The CLI itself installs nothing.
#   dataset-fashion-mnist  Fashion-MNIST IDX files in /usr/share/datasets/fashion-mnist (60,000 train + 10,000 test)
#   libhnswlib-dev         hnswlib's headers, compiled by the CLI with g++ -O3 -march=native (native/hnswlib_peer.cpp, loaded in process)
#   python3-hnswlib        Debian's prebuilt hnswlib binding (baseline x86-64 build: a lower bound)
#   python3-faiss          Debian's prebuilt FAISS (baseline x86-64 build, SSE2 only: a lower bound)
#   g++                    compiles the native peer
#   libgomp1               OpenMP runtime that USearch's prebuilt libusearch_c.so (NuGet Cloud.Unum.USearch) links
set -euo pipefail
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y dataset-fashion-mnist libhnswlib-dev python3-hnswlib python3-faiss python3-numpy g++ libgomp1
