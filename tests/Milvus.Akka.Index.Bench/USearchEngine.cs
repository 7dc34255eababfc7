using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Milvus.Akka.Index.Bench;

/// <summary>
/// USearch (NuGet Cloud.Unum.USearch, its prebuilt <c>libusearch_c.so</c>) in process through a minimal P/Invoke
/// layer over its C API: the package's C# wrapper cannot set thread counts, so concurrent adds and searches fail
/// with it. Same parameters and timing rule as the other engines: connectivity = M, expansion_add = efConstruction,
/// expansion_search = ef, squared L2 over f32 rows, built on all cores; one query per call on one thread, and the
/// slice's queries spread over all cores (one call per query, as the native hnswlib peer does).
/// </summary>
internal sealed class USearchEngine(Dataset data, GroundTruth truth, BenchOptions options)
{
    public const string Name = "USearch (NuGet)";

    private const int WarmupQueries = 100;

    public IEnumerable<BenchResult> Run()
    {
        var k = BenchOptions.K;
        var before = ResidentSet.Bytes();
        var start = Stopwatch.GetTimestamp();
        using var index = new USearchIndex(data.Dim, options.HnswM, options.EfConstruction);
        index.Reserve(data.BaseCount, options.Threads);
        Parallel.For(0, data.BaseCount, new ParallelOptions { MaxDegreeOfParallelism = options.Threads },
            row => index.Add((ulong)row, data.BaseRow(row)));
        var buildSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var memory = ResidentSet.Bytes() - before;
        Console.WriteLine($"# {Name}: SIMD kernels {index.HardwareAcceleration()}");

        var queries = data.QueryCount;
        var ids = new int[queries * k];
        var results = new List<BenchResult>();
        foreach (var ef in options.Efs.Where(ef => ef >= k))
        {
            index.SetExpansionSearch(ef);
            for (var q = 0; q < Math.Min(WarmupQueries, queries); q++)
            {
                index.Search(data.Query(q), ids.AsSpan(q * k, k));
            }

            var single = SliceTiming.FastestRate(queries, (first, end) =>
            {
                for (var q = first; q < end; q++)
                {
                    index.Search(data.Query(q), ids.AsSpan(q * k, k));
                }
            });
            var recall = truth.Recall(ids);
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Threads };
            var all = SliceTiming.FastestRate(queries, (first, end) =>
                Parallel.For(first, end, parallel, q => index.Search(data.Query(q), ids.AsSpan(q * k, k))));
            results.Add(new BenchResult(Name, $"M={options.HnswM},efC={options.EfConstruction},ef={ef}", recall, single, all,
                buildSeconds, memory));
        }

        return results;
    }

}

/// <summary>An owned USearch index handle; every call checks the C API's error out-parameter.</summary>
internal sealed partial class USearchIndex : IDisposable
{
    private const string Library = "usearch_c";
    private const int MetricL2Squared = 3;
    private const int ScalarFloat32 = 1;

    private readonly int _dim;
    private IntPtr _handle;

    public USearchIndex(int dim, int connectivity, int expansionAdd)
    {
        _dim = dim;
        var settings = new InitOptions
        {
            MetricKind = MetricL2Squared,
            Quantization = ScalarFloat32,
            Dimensions = (nuint)dim,
            Connectivity = (nuint)connectivity,
            ExpansionAdd = (nuint)expansionAdd,
        };
        IntPtr error = default;
        _handle = usearch_init(ref settings, ref error);
        Check(error, "usearch_init");
    }

    /// <summary>Sizes the index and its per-thread contexts; concurrent adds and searches need both thread counts set.</summary>
    public void Reserve(int capacity, int threads)
    {
        IntPtr error = default;
        usearch_reserve(_handle, (nuint)capacity, ref error);
        Check(error, "usearch_reserve");
        usearch_change_threads_add(_handle, (nuint)threads, ref error);
        Check(error, "usearch_change_threads_add");
        usearch_change_threads_search(_handle, (nuint)threads, ref error);
        Check(error, "usearch_change_threads_search");
    }

    public unsafe void Add(ulong key, ReadOnlySpan<float> vector)
    {
        CheckDimension(vector);
        IntPtr error = default;
        fixed (float* row = vector)
        {
            usearch_add(_handle, key, row, ScalarFloat32, ref error);
        }

        Check(error, "usearch_add");
    }

    /// <summary>The instruction set USearch's distance kernels use on this machine (e.g. "haswell").</summary>
    public string HardwareAcceleration()
    {
        IntPtr error = default;
        var isa = usearch_hardware_acceleration(_handle, ref error);
        Check(error, "usearch_hardware_acceleration");
        return Marshal.PtrToStringUTF8(isa) ?? "unknown";
    }

    public void SetExpansionSearch(int ef)
    {
        IntPtr error = default;
        usearch_change_expansion_search(_handle, (nuint)ef, ref error);
        Check(error, "usearch_change_expansion_search");
    }

    /// <summary>Writes the nearest keys best first to <paramref name="ids"/> (its length is k), -1 where fewer were found.</summary>
    public unsafe void Search(ReadOnlySpan<float> query, Span<int> ids)
    {
        CheckDimension(query);
        var k = ids.Length;
        var keys = stackalloc ulong[k];
        var distances = stackalloc float[k];
        IntPtr error = default;
        nuint found;
        fixed (float* q = query)
        {
            found = usearch_search(_handle, q, ScalarFloat32, (nuint)k, keys, distances, ref error);
        }

        Check(error, "usearch_search");
        for (var i = 0; i < k; i++)
        {
            ids[i] = (nuint)i < found ? (int)keys[i] : -1;
        }
    }

    public void Dispose()
    {
        if (_handle != IntPtr.Zero)
        {
            IntPtr error = default;
            usearch_free(_handle, ref error);
            _handle = IntPtr.Zero;
            Check(error, "usearch_free");
        }
    }

    private void CheckDimension(ReadOnlySpan<float> vector)
    {
        if (vector.Length != _dim)
        {
            throw new ArgumentException($"vector has {vector.Length} values, the index {_dim}", nameof(vector));
        }
    }

    private static void Check(IntPtr error, string call)
    {
        if (error != IntPtr.Zero)
        {
            throw new InvalidOperationException($"{call} failed: {Marshal.PtrToStringUTF8(error)}");
        }
    }

    [LibraryImport(Library)]
    private static partial IntPtr usearch_init(ref InitOptions options, ref IntPtr error);

    [LibraryImport(Library)]
    private static partial void usearch_free(IntPtr index, ref IntPtr error);

    [LibraryImport(Library)]
    private static partial void usearch_reserve(IntPtr index, nuint capacity, ref IntPtr error);

    [LibraryImport(Library)]
    private static partial void usearch_change_threads_add(IntPtr index, nuint threads, ref IntPtr error);

    [LibraryImport(Library)]
    private static partial void usearch_change_threads_search(IntPtr index, nuint threads, ref IntPtr error);

    [LibraryImport(Library)]
    private static partial IntPtr usearch_hardware_acceleration(IntPtr index, ref IntPtr error);

    [LibraryImport(Library)]
    private static partial void usearch_change_expansion_search(IntPtr index, nuint expansion, ref IntPtr error);

    [LibraryImport(Library)]
    private static unsafe partial void usearch_add(IntPtr index, ulong key, float* vector, int vectorKind, ref IntPtr error);

    [LibraryImport(Library)]
    private static unsafe partial nuint usearch_search(IntPtr index, float* query, int queryKind, nuint count, ulong* keys,
        float* distances, ref IntPtr error);

    /// <summary><c>usearch_init_options_t</c> of the C API (enums are C ints, <c>multi</c> a C bool).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct InitOptions
    {
        public int MetricKind;
        public IntPtr Metric;
        public int Quantization;
        public nuint Dimensions;
        public nuint Connectivity;
        public nuint ExpansionAdd;
        public nuint ExpansionSearch;
        public byte Multi;
    }
}
