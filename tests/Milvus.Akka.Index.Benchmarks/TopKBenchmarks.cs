using BenchmarkDotNet.Attributes;

namespace Milvus.Akka.Index.Benchmarks;

/// <summary>
/// Selecting the k best of a segment's worth of distances (what every exact scan does per query), against sorting
/// all of them. TopK works in caller-owned buffers, so it must show no allocation.
/// </summary>
[MemoryDiagnoser]
public class TopKBenchmarks
{
    private const int Candidates = 65_536;

    private readonly int[] _ids = new int[1024];
    private readonly float[] _scores = new float[1024];
    private float[] _distances = [];

    [Params(10, 100, 1000)]
    public int K { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _distances = [.. Enumerable.Range(0, Candidates).Select(_ => random.NextSingle())];
    }

    [Benchmark(Baseline = true)]
    public float SortAll()
    {
        var copy = _distances.ToArray();
        Array.Sort(copy);
        return copy[K - 1];
    }

    [Benchmark]
    public int TopKSelect()
    {
        var top = new TopK(_ids.AsSpan(0, K), _scores.AsSpan(0, K));
        var distances = _distances;
        for (var i = 0; i < distances.Length; i++)
        {
            top.Push(i, distances[i]);
        }

        return top.SortBestFirst();
    }
}
