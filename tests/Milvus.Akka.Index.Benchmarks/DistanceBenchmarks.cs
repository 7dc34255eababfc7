using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;

namespace Milvus.Akka.Index.Benchmarks;

/// <summary>
/// One distance between two vectors, at typical embedding sizes and Fashion-MNIST's 784. TensorPrimitives'
/// squared-difference sum is the baseline the hand-written L2 kernel must at least match.
/// </summary>
[MemoryDiagnoser]
public class DistanceBenchmarks
{
    private float[] _a = [];
    private float[] _b = [];
    private byte[] _bitsA = [];
    private byte[] _bitsB = [];

    [Params(128, 768, 784)]
    public int Dim { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _a = [.. Enumerable.Range(0, Dim).Select(_ => random.NextSingle())];
        _b = [.. Enumerable.Range(0, Dim).Select(_ => random.NextSingle())];
        _bitsA = new byte[Dim / 8];
        _bitsB = new byte[Dim / 8];
        random.NextBytes(_bitsA);
        random.NextBytes(_bitsB);
    }

    [Benchmark(Baseline = true)]
    public float TensorPrimitivesL2() => TensorPrimitives.Distance(_a, _b);

    [Benchmark]
    public float L2Squared() => Distances.L2Squared(_a, _b);

    [Benchmark]
    public float InnerProduct() => Distances.InnerProduct(_a, _b);

    [Benchmark]
    public float Cosine() => Distances.Cosine(_a, _b);

    /// <summary>Dim bits packed into Dim/8 bytes.</summary>
    [Benchmark]
    public int Hamming() => Distances.Hamming(_bitsA, _bitsB);

    [Benchmark]
    public float Jaccard() => Distances.Jaccard(_bitsA, _bitsB);
}
