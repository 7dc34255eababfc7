#!/usr/bin/python3
"""Debian's prebuilt baselines for the bench CLI: FAISS (Flat, IVFFlat) and hnswlib's Python binding.

Both packages are compiled for baseline x86-64 (SSE2, no AVX), so they are lower bounds, not the peer to beat.
Reads <workdir>/base.f32 and queries.f32 (int32 rows, int32 dim, row-major float32). For every configuration it
writes the ids of the single-thread pass to <workdir>/<tag>.ids (int32, k per query, best first) and prints one
JSON object per line. Searches are batched calls (one call per slice of queries) so Python adds no per-query
overhead; "one thread" limits OpenMP / the binding to a single thread.
"""
import argparse
import json
import os
import time

import faiss
import hnswlib
import numpy as np


def read_matrix(path):
    with open(path, "rb") as f:
        rows, dim = np.frombuffer(f.read(8), dtype=np.int32)
        return np.frombuffer(f.read(), dtype=np.float32).reshape(rows, dim)


def resident_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def fastest_rate(search, threads, queries):
    """The bench CLI's timing rule (SliceTiming.cs): ten consecutive slices, rate of the fastest one."""
    size = max(1, queries // 10)
    best = 0.0
    for first in range(0, queries, size):
        end = min(queries, first + size)
        _, seconds = timed(lambda: search(threads, first, end))
        best = max(best, (end - first) / seconds)
    return best


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def emit(args, engine, tag, params, build_seconds, memory, search, nq=None):
    """search(threads, first, end) -> ids of queries [first, end); after a short warm-up, the ids of one full pass
    give recall and the fastest slices give QPS with one thread and with all."""
    nq = nq or args.queries
    search(1, 0, min(nq, 100))
    ids = search(args.threads, 0, nq)
    path = os.path.join(args.workdir, tag + ".ids")
    np.ascontiguousarray(ids, dtype=np.int32).tofile(path)
    print(json.dumps({
        "engine": engine, "params": params, "buildSeconds": build_seconds, "memoryBytes": memory,
        "qpsSingle": fastest_rate(search, 1, nq), "qpsAll": fastest_rate(search, args.threads, nq), "idsFile": path,
    }), flush=True)


def faiss_search(index, queries, k):
    def search(threads, first, end):
        faiss.omp_set_num_threads(threads)
        _, ids = index.search(queries[first:end], k)
        return ids
    return search


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workdir")
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--nlist", type=int, required=True)
    parser.add_argument("--nprobes", required=True, help="comma-separated")
    parser.add_argument("--M", type=int, required=True)
    parser.add_argument("--efc", type=int, required=True)
    parser.add_argument("--efs", required=True, help="comma-separated")
    parser.add_argument("--flat-queries", type=int, required=True, help="queries timed for Flat (it scans everything)")
    parser.add_argument("--families", default="flat,ivf,hnsw", help="comma-separated subset of flat, ivf, hnsw")
    args = parser.parse_args()
    families = set(args.families.split(","))

    base = read_matrix(os.path.join(args.workdir, "base.f32"))
    queries = read_matrix(os.path.join(args.workdir, "queries.f32"))
    dim = base.shape[1]
    args.queries = queries.shape[0]
    k = args.k
    faiss.omp_set_num_threads(args.threads)

    if "flat" in families:
        run_flat(args, base, queries, dim, k)
    if "ivf" in families:
        run_ivf(args, base, queries, dim, k)
    if "hnsw" in families:
        run_hnsw(args, base, queries, dim, k)


def run_flat(args, base, queries, dim, k):
    before = resident_bytes()
    flat, seconds = timed(lambda: faiss.IndexFlatL2(dim))
    _, add_seconds = timed(lambda: flat.add(base))
    emit(args, "faiss Flat (Debian)", "faiss-flat", "-", seconds + add_seconds, resident_bytes() - before,
         faiss_search(flat, queries, k), args.flat_queries)


def run_ivf(args, base, queries, dim, k):
    before = resident_bytes()
    quantizer = faiss.IndexFlatL2(dim)
    ivf = faiss.IndexIVFFlat(quantizer, dim, args.nlist)
    start = time.perf_counter()
    ivf.train(base)
    ivf.add(base)
    build = time.perf_counter() - start
    memory = resident_bytes() - before
    for nprobe in map(int, args.nprobes.split(",")):
        ivf.nprobe = nprobe
        emit(args, "faiss IVFFlat (Debian)", f"faiss-ivfflat-nprobe{nprobe}", f"nlist={args.nlist},nprobe={nprobe}",
             build, memory, faiss_search(ivf, queries, k))


def run_hnsw(args, base, queries, dim, k):
    efs = list(map(int, args.efs.split(",")))
    before = resident_bytes()
    graph = hnswlib.Index(space="l2", dim=dim)
    graph.init_index(max_elements=base.shape[0], M=args.M, ef_construction=args.efc, random_seed=100)
    _, build = timed(lambda: graph.add_items(base, num_threads=args.threads))
    memory = resident_bytes() - before
    for ef in efs:
        graph.set_ef(ef)

        def search(threads, first, end):
            ids, _ = graph.knn_query(queries[first:end], k=k, num_threads=threads)
            return ids
        emit(args, "hnswlib (Debian Python)", f"hnswlib-python-ef{ef}", f"M={args.M},efC={args.efc},ef={ef}",
             build, memory, search)


if __name__ == "__main__":
    main()
