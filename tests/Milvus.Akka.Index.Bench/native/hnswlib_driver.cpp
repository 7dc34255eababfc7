// The native peer of the bench CLI: hnswlib as people really run it (header-only, -O3 -march=native).
// Usage: hnswlib_driver <workdir> <M> <efConstruction> <threads> <ef,ef,...> <k>
// Reads <workdir>/base.f32 and queries.f32 (int32 rows, int32 dim, row-major float32), builds with <threads>
// threads, then for each ef searches every query with one thread and with <threads> threads (fastest of ten slices). Writes the ids of
// the single-thread pass to <workdir>/hnswlib-native-ef<ef>.ids (int32, k per query, best first) and prints one
// JSON object per line for the CLI to read.
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Matrix {
    int rows = 0;
    int dim = 0;
    std::vector<float> data;
};

Matrix read_matrix(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    Matrix m;
    in.read(reinterpret_cast<char*>(&m.rows), 4);
    in.read(reinterpret_cast<char*>(&m.dim), 4);
    m.data.resize(static_cast<size_t>(m.rows) * m.dim);
    in.read(reinterpret_cast<char*>(m.data.data()), static_cast<std::streamsize>(m.data.size() * sizeof(float)));
    if (!in) throw std::runtime_error("truncated " + path);
    return m;
}

// Resident set size in bytes, from /proc/self/statm (pages).
long resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    long size = 0, resident = 0;
    statm >> size >> resident;
    return resident * 4096L;
}

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

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The bench CLI's timing rule (SliceTiming.cs): ten consecutive slices of the queries, rate of the fastest one,
// so load from other tenants of a shared machine distorts every engine alike.
template <typename F>
double fastest_rate(size_t queries, int threads, F search_one) {
    const size_t size = std::max<size_t>(1, queries / 10);
    double best = 0;
    for (size_t first = 0; first < queries; first += size) {
        const size_t count = std::min(queries, first + size) - first;
        const auto start = std::chrono::steady_clock::now();
        parallel_for(count, threads, [&](size_t i) { search_one(first + i); });
        best = std::max(best, count / seconds_since(start));
    }
    return best;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 7) {
        std::fprintf(stderr, "usage: %s <workdir> <M> <efConstruction> <threads> <ef,ef,...> <k>\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    const int m = std::stoi(argv[2]);
    const int ef_construction = std::stoi(argv[3]);
    const int threads = std::stoi(argv[4]);
    const int k = std::stoi(argv[6]);
    std::vector<int> efs;
    {
        std::stringstream list(argv[5]);
        std::string item;
        while (std::getline(list, item, ',')) efs.push_back(std::stoi(item));
    }

    const Matrix base = read_matrix(dir + "/base.f32");
    const Matrix queries = read_matrix(dir + "/queries.f32");
    hnswlib::L2Space space(base.dim);

    const long before = resident_bytes();
    const auto build_start = std::chrono::steady_clock::now();
    hnswlib::HierarchicalNSW<float> index(&space, base.rows, m, ef_construction, 100);
    // The first point alone, so the parallel inserts start from an entry point (as hnswlib's binding does).
    index.addPoint(base.data.data(), 0);
    parallel_for(base.rows - 1, threads, [&](size_t i) {
        index.addPoint(base.data.data() + (i + 1) * base.dim, i + 1);
    });
    const double build_seconds = seconds_since(build_start);
    const long memory = resident_bytes() - before;

    std::vector<int> ids(static_cast<size_t>(queries.rows) * k);
    auto search_one = [&](size_t q) {
        auto result = index.searchKnn(queries.data.data() + q * queries.dim, k);
        // The queue pops the farthest first; fill the row back to front so it ends best first.
        for (int slot = k - 1; slot >= 0; slot--) {
            if (slot >= static_cast<int>(result.size())) {
                ids[q * k + slot] = -1;
                continue;
            }
            ids[q * k + slot] = static_cast<int>(result.top().second);
            result.pop();
        }
    };

    for (int ef : efs) {
        index.setEf(ef);
        // Warm the caches and the visited-list pool on a few queries before timing.
        for (int q = 0; q < std::min(queries.rows, 100); q++) search_one(q);
        const double single = fastest_rate(queries.rows, 1, search_one);

        const std::string path = dir + "/hnswlib-native-ef" + std::to_string(ef) + ".ids";
        std::ofstream out(path, std::ios::binary);
        out.write(reinterpret_cast<const char*>(ids.data()), static_cast<std::streamsize>(ids.size() * sizeof(int)));

        const double multi = fastest_rate(queries.rows, threads, search_one);

        std::printf(
            "{\"engine\":\"hnswlib (native)\",\"params\":\"M=%d,efC=%d,ef=%d\",\"buildSeconds\":%.3f,"
            "\"memoryBytes\":%ld,\"qpsSingle\":%.1f,\"qpsAll\":%.1f,\"idsFile\":\"%s\"}\n",
            m, ef_construction, ef, build_seconds, memory, single, multi, path.c_str());
        std::fflush(stdout);
    }
    return 0;
}
