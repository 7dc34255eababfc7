using BenchmarkDotNet.Attributes;
using Milvus.Akka.Common;

namespace Milvus.Akka.Index.Benchmarks;

/// <summary>
/// Bitset filtering: walking the set bits of an allow-list, counting them, and a filtered exact search (FLAT,
/// 50k × 128, one query) at the selectivities Milvus sees, where the scan visits only allowed rows. HNSW at the
/// same selectivities shows the filtered graph search and, below 7%, the switch to an exact scan.
/// </summary>
[MemoryDiagnoser]
public class FilterBenchmarks
{
    private const int Rows = 50_000;
    private const int Dim = 128;

    private readonly int[] _offsets = new int[10];
    private readonly float[] _scores = new float[10];
    private float[] _query = [];
    private Bitset _allow = new(0);
    private SearchOptions _flatOptions = SearchOptions.Default;
    private SearchOptions _hnswOptions = SearchOptions.Default;
    private IVectorIndex _flat = null!;
    private IVectorIndex _hnsw = null!;

    /// <summary>Fraction of rows allowed, in percent.</summary>
    [Params(50, 10, 1)]
    public int AllowedPercent { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var vectors = new float[Rows * Dim];
        for (var i = 0; i < vectors.Length; i++)
        {
            vectors[i] = random.NextSingle();
        }

        _query = vectors.AsSpan(0, Dim).ToArray();
        _allow = new Bitset(Rows);
        for (var i = 0; i < Rows; i++)
        {
            _allow[i] = random.Next(100) < AllowedPercent;
        }

        _flat = VectorIndexes.Build(new IndexSpec(IndexType.Flat, MetricType.L2), Dim, vectors);
        _hnsw = VectorIndexes.Build(
            IndexSpec.FromMilvus("HNSW", "L2", new Dictionary<string, string> { ["M"] = "16", ["efConstruction"] = "64" }), Dim, vectors);
        _flatOptions = new SearchOptions { Allow = _allow };
        _hnswOptions = new SearchOptions { Allow = _allow, Params = new Dictionary<string, string> { ["ef"] = "64" } };
    }

    [Benchmark]
    public int EnumerateSetBits()
    {
        var sum = 0;
        foreach (var id in _allow)
        {
            sum += id;
        }

        return sum;
    }

    [Benchmark]
    public int PopCount() => _allow.PopCount();

    [Benchmark]
    public int FlatFiltered()
    {
        _flat.Search(_query, 10, _flatOptions, _offsets, _scores);
        return _offsets[0];
    }

    [Benchmark]
    public int HnswFiltered()
    {
        _hnsw.Search(_query, 10, _hnswOptions, _offsets, _scores);
        return _offsets[0];
    }
}
