// The native peer of the bench CLI: hnswlib as people really run it (header-only, -O3 -march=native), built as a
// shared library the CLI loads in process. Being in the same process lets the CLI time our HNSW and hnswlib slice by
// slice, alternately, so load from other tenants of a shared machine lands on both alike.
// Every entry point catches exceptions: none may cross the C boundary.
#include <hnswlib/hnswlib.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

namespace {

// Splits [0, n) among threads through a shared counter, as hnswlib's Python binding does.
template <typename F>
void parallel_for(size_t n, int threads, F body) {
    if (threads <= 1) {
        for (size_t i = 0; i < n; i++) body(i);
        return;
    }
    std::atomic<size_t> next(0);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; t++) {
        pool.emplace_back([&] {
            for (size_t i = next++; i < n; i = next++) body(i);
        });
    }
    for (auto& th : pool) th.join();
}

struct Peer {
    Peer(int dim, size_t rows, int m, int ef_construction)
        : space(dim), index(&space, rows, m, ef_construction, 100) {}

    hnswlib::L2Space space;
    hnswlib::HierarchicalNSW<float> index;
};

}  // namespace

extern "C" {

// Builds over `count` row-major rows with `threads` threads; null on failure.
void* peer_build(const float* rows, int count, int dim, int m, int ef_construction, int threads) {
    try {
        auto peer = std::make_unique<Peer>(dim, static_cast<size_t>(count), m, ef_construction);
        // The first point alone, so the parallel inserts start from an entry point (as hnswlib's binding does).
        peer->index.addPoint(rows, 0);
        parallel_for(static_cast<size_t>(count) - 1, threads, [&](size_t i) {
            peer->index.addPoint(rows + (i + 1) * static_cast<size_t>(dim), i + 1);
        });
        return peer.release();
    } catch (...) {
        return nullptr;
    }
}

void peer_set_ef(void* peer, int ef) { static_cast<Peer*>(peer)->index.setEf(ef); }

// Searches `count` queries, one searchKnn call each, spread over `threads` threads; writes k ids per query best
// first (-1 where fewer were found). Returns 0, or -1 on failure.
int peer_search(void* peer, const float* queries, int count, int dim, int k, int threads, int* ids) {
    try {
        auto& index = static_cast<Peer*>(peer)->index;
        parallel_for(static_cast<size_t>(count), threads, [&](size_t q) {
            auto result = index.searchKnn(queries + q * static_cast<size_t>(dim), k);
            // The queue pops the farthest first; fill the row back to front so it ends best first.
            for (int slot = k - 1; slot >= 0; slot--) {
                if (slot >= static_cast<int>(result.size())) {
                    ids[q * k + slot] = -1;
                    continue;
                }
                ids[q * k + slot] = static_cast<int>(result.top().second);
                result.pop();
            }
        });
        return 0;
    } catch (...) {
        return -1;
    }
}

void peer_free(void* peer) { delete static_cast<Peer*>(peer); }

}
