using Milvus.Akka.Common;

namespace Milvus.Akka.Index.Tests;

public class PersistenceTests(AnnFixture fixture) : IClassFixture<AnnFixture>
{
    private const int Dim = FloatDataFixture.Dim;
    private const int K = FloatDataFixture.K;

    public static TheoryData<IndexType, MetricType> FloatIndexes => new()
    {
        { IndexType.Flat, MetricType.L2 },
        { IndexType.Hnsw, MetricType.L2 },
        { IndexType.Hnsw, MetricType.Cosine },
        { IndexType.IvfFlat, MetricType.L2 },
        { IndexType.IvfSq8, MetricType.L2 },
        { IndexType.IvfPq, MetricType.L2 },
        { IndexType.IvfPq, MetricType.IP },
    };

    [Theory]
    [MemberData(nameof(FloatIndexes))]
    public void Save_then_load_gives_identical_results(IndexType type, MetricType metric)
    {
        var index = type == IndexType.Flat
            ? VectorIndexes.Build(new IndexSpec(type, metric), Dim, fixture.Data.Data)
            : fixture.Index(type, metric);
        var bytes = Save(index);
        var loaded = VectorIndexes.Load(bytes);
        Assert.Equal(index.Spec.Type, loaded.Spec.Type);
        Assert.Equal(index.Spec.Metric, loaded.Spec.Metric);
        Assert.Equal(index.Spec.Params.OrderBy(p => p.Key), loaded.Spec.Params.OrderBy(p => p.Key));
        Assert.Equal((index.Dim, index.Count), (loaded.Dim, loaded.Count));
        var options = Searches.With(("ef", "32"), ("nprobe", "4"));
        Assert.Equal(Searches.Run(index, fixture.Data.Queries, K, options), Searches.Run(loaded, fixture.Data.Queries, K, options), new ResultComparer());
        Assert.Equal(bytes, Save(loaded));
    }

    [Fact]
    public void Load_from_a_memory_mapped_file_gives_identical_results()
    {
        var index = fixture.Index(IndexType.Hnsw, MetricType.L2);
        var path = Path.Combine(Path.GetTempPath(), $"milvus-akka-index-{Guid.NewGuid():N}.idx");
        try
        {
            using (var file = File.Create(path))
            {
                index.Save(file);
            }

            var loaded = VectorIndexes.LoadFile(path);
            Assert.Equal(Searches.Run(index, fixture.Data.Queries, K), Searches.Run(loaded, fixture.Data.Queries, K), new ResultComparer());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(IndexType.BinFlat, MetricType.Jaccard)]
    [InlineData(IndexType.BinIvfFlat, MetricType.Hamming)]
    public void Binary_indexes_round_trip(IndexType type, MetricType metric)
    {
        var data = TestData.Bits(1000, 128, seed: 1);
        var queries = TestData.Bits(20, 128, seed: 2);
        var index = VectorIndexes.BuildBinary(new IndexSpec(type, metric, Searches.Params(("nlist", "16"))), 128, data);
        using var stream = new MemoryStream();
        index.Save(stream);
        var loaded = VectorIndexes.LoadBinary(stream.ToArray());
        Assert.Equal(Searches.Run(index, queries, K), Searches.Run(loaded, queries, K), new ResultComparer());
        Assert.Contains("LoadBinary", Assert.Throws<MilvusException>(() => VectorIndexes.Load(stream.ToArray())).Message);
    }

    [Fact]
    public void A_flipped_byte_anywhere_is_rejected_as_corrupt()
    {
        var bytes = Save(VectorIndexes.Build(new IndexSpec(IndexType.Flat, MetricType.L2), Dim, fixture.Data.Data.AsMemory(0, 100 * Dim)));
        foreach (var position in new[] { 0, 5, 9, bytes.Length / 2, bytes.Length - 20, bytes.Length - 14, bytes.Length - 1 })
        {
            var corrupt = (byte[])bytes.Clone();
            corrupt[position] ^= 0x40;
            var error = Assert.Throws<MilvusException>(() => VectorIndexes.Load(corrupt));
            Assert.Equal(ErrorCode.IoFailed, error.Code);
            Assert.Matches("magic|version|trailer|CRC|body", error.Message);
        }
    }

    [Fact]
    public void Truncated_files_are_rejected_with_a_clear_error()
    {
        var bytes = Save(VectorIndexes.Build(new IndexSpec(IndexType.IvfFlat, MetricType.L2, Searches.Params(("nlist", "8"))), Dim, fixture.Data.Data.AsMemory(0, 200 * Dim)));
        foreach (var length in new[] { 0, 10, 23, bytes.Length / 2, bytes.Length - 1 })
        {
            var error = Assert.Throws<MilvusException>(() => VectorIndexes.Load(bytes.AsMemory(0, length)));
            Assert.Equal(ErrorCode.IoFailed, error.Code);
            Assert.Contains(length < 24 ? "truncated" : "trailer", error.Message);
        }
    }

    private static byte[] Save(IVectorIndex index)
    {
        using var stream = new MemoryStream();
        index.Save(stream);
        return stream.ToArray();
    }

    private sealed class ResultComparer : IEqualityComparer<(int[] Ids, float[] Scores)>
    {
        public bool Equals((int[] Ids, float[] Scores) x, (int[] Ids, float[] Scores) y) =>
            x.Ids.AsSpan().SequenceEqual(y.Ids) && x.Scores.AsSpan().SequenceEqual(y.Scores);

        public int GetHashCode((int[] Ids, float[] Scores) obj) => obj.Ids.Length;
    }
}
