using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Milvus.Akka.Index.Bench;

/// <summary>
/// hnswlib compiled here with <c>g++ -O3 -march=native</c> from Debian's header-only libhnswlib-dev
/// (native/hnswlib_peer.cpp) and loaded in process, so it can be timed slice by slice alongside our HNSW.
/// </summary>
internal sealed unsafe class NativeHnswlib : IDisposable
{
    private readonly delegate* unmanaged<IntPtr, int, void> _setEf;
    private readonly delegate* unmanaged<IntPtr, float*, int, int, int, int, int*, int> _search;
    private readonly delegate* unmanaged<IntPtr, void> _free;
    private readonly int _dim;
    private IntPtr _peer;

    private NativeHnswlib(IntPtr library, IntPtr peer, int dim)
    {
        _setEf = (delegate* unmanaged<IntPtr, int, void>)NativeLibrary.GetExport(library, "peer_set_ef");
        _search = (delegate* unmanaged<IntPtr, float*, int, int, int, int, int*, int>)NativeLibrary.GetExport(library, "peer_search");
        _free = (delegate* unmanaged<IntPtr, void>)NativeLibrary.GetExport(library, "peer_free");
        _peer = peer;
        _dim = dim;
    }

    public double BuildSeconds { get; private init; }

    /// <summary>Resident-set growth over the build (hnswlib allocates outside the managed heap), vectors included.</summary>
    public long MemoryBytes { get; private init; }

    /// <summary>Compiles the peer into the work directory, loads it and builds over the data set on all cores.</summary>
    public static NativeHnswlib Build(Dataset data, BenchOptions options)
    {
        var library = NativeLibrary.Load(Compile(options.WorkDirectory));
        var build = (delegate* unmanaged<float*, int, int, int, int, int, IntPtr>)NativeLibrary.GetExport(library, "peer_build");
        var before = ResidentSet.Bytes();
        var start = Stopwatch.GetTimestamp();
        IntPtr peer;
        fixed (float* rows = data.Base)
        {
            peer = build(rows, data.BaseCount, data.Dim, options.HnswM, options.EfConstruction, options.Threads);
        }

        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return peer == IntPtr.Zero
            ? throw new InvalidOperationException("hnswlib failed to build the index")
            : new NativeHnswlib(library, peer, data.Dim) { BuildSeconds = seconds, MemoryBytes = ResidentSet.Bytes() - before };
    }

    public void SetEf(int ef) => _setEf(_peer, ef);

    /// <summary>One searchKnn call per query, spread over <paramref name="threads"/> threads; k ids per query best first.</summary>
    public void Search(ReadOnlySpan<float> queries, int k, int threads, Span<int> ids)
    {
        var count = queries.Length / _dim;
        if (ids.Length < count * k)
        {
            throw new ArgumentException("ids is shorter than k per query", nameof(ids));
        }

        int status;
        fixed (float* q = queries)
        fixed (int* output = ids)
        {
            status = _search(_peer, q, count, _dim, k, threads, output);
        }

        if (status != 0)
        {
            throw new InvalidOperationException("hnswlib failed to search");
        }
    }

    public void Dispose()
    {
        if (_peer != IntPtr.Zero)
        {
            _free(_peer);
            _peer = IntPtr.Zero;
        }
    }

    private static string Compile(string workDirectory)
    {
        var output = Path.Combine(workDirectory, "libhnswlib_peer.so");
        var source = Path.Combine(AppContext.BaseDirectory, "native", "hnswlib_peer.cpp");
        var start = new ProcessStartInfo("g++") { UseShellExecute = false };
        foreach (var argument in new[] { "-O3", "-march=native", "-std=c++17", "-shared", "-fPIC", "-pthread", "-o", output, source })
        {
            start.ArgumentList.Add(argument);
        }

        using var compiler = Process.Start(start) ?? throw new InvalidOperationException("cannot start g++");
        compiler.WaitForExit();
        return compiler.ExitCode == 0 ? output : throw new InvalidOperationException($"g++ exited with code {compiler.ExitCode} compiling {source}");
    }
}
