using Milvus.Akka.Common;

namespace Milvus.Akka.Index.Tests;

public class IndexSpecTests
{
    [Theory]
    [InlineData("FLAT", IndexType.Flat)]
    [InlineData("ivf_flat", IndexType.IvfFlat)]
    [InlineData("IVF_SQ8", IndexType.IvfSq8)]
    [InlineData("IVF_PQ", IndexType.IvfPq)]
    [InlineData("HNSW", IndexType.Hnsw)]
    [InlineData("AUTOINDEX", IndexType.Hnsw)]
    [InlineData("BIN_FLAT", IndexType.BinFlat)]
    [InlineData("BIN_IVF_FLAT", IndexType.BinIvfFlat)]
    public void Milvus_names_parse(string name, IndexType expected)
    {
        Assert.Equal(expected, IndexTypes.Parse(name));
        if (name != "AUTOINDEX")
        {
            Assert.Equal(name.ToUpperInvariant(), expected.ToMilvusName());
        }
    }

    [Theory]
    [InlineData("DISKANN", IndexType.Hnsw)]
    [InlineData("HNSW_SQ", IndexType.Hnsw)]
    [InlineData("hnsw_pq", IndexType.Hnsw)]
    [InlineData("HNSW_PRQ", IndexType.Hnsw)]
    [InlineData("SCANN", IndexType.IvfFlat)]
    [InlineData("IVF_RABITQ", IndexType.IvfFlat)]
    public void Quantized_and_disk_index_types_are_served_by_the_exact_index_of_their_family(string name, IndexType expected) =>
        Assert.Equal(expected, IndexTypes.Parse(name));

    [Fact]
    public void Unknown_index_type_is_not_supported()
    {
        var error = Assert.Throws<MilvusException>(() => IndexTypes.Parse("DISKANN_X"));
        Assert.Equal(ErrorCode.IndexNotSupported, error.Code);
        Assert.Contains("DISKANN_X", error.Message);
    }

    [Fact]
    public void Autoindex_resolves_to_hnsw_with_the_shipped_defaults()
    {
        var spec = IndexSpec.FromMilvus("AUTOINDEX", "COSINE");
        Assert.Equal(IndexType.Hnsw, spec.Type);
        Assert.Equal(MetricType.Cosine, spec.Metric);
        Assert.Equal("18", spec.Params["M"]);
        Assert.Equal("240", spec.Params["efConstruction"]);

        var overridden = IndexSpec.FromMilvus("AUTOINDEX", "L2", Searches.Params(("M", "8")));
        Assert.Equal("8", overridden.Params["M"]);
    }

    [Theory]
    [InlineData("IVF_FLAT", "nlist", "0")]
    [InlineData("IVF_FLAT", "nlist", "abc")]
    [InlineData("HNSW", "M", "1")]
    [InlineData("HNSW", "efConstruction", "-5")]
    [InlineData("IVF_PQ", "nbits", "12")]
    [InlineData("IVF_PQ", "m", "5")]
    public void Invalid_build_parameters_name_the_parameter(string type, string key, string value)
    {
        var spec = IndexSpec.FromMilvus(type, "L2", Searches.Params((key, value)));
        var error = Assert.Throws<MilvusException>(() => VectorIndexes.Build(spec, 16, new float[16 * 10]));
        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains($"'{key}'", error.Message);
    }

    [Fact]
    public void Minhash_lsh_goes_with_mhjaccard_only_and_is_served_by_the_exact_binary_scan()
    {
        Assert.Equal(new IndexSpec(IndexType.BinFlat, MetricType.MhJaccard, new Dictionary<string, string> { ["mh_lsh_band"] = "8" }).Type,
            IndexSpec.FromMilvus("MINHASH_LSH", "MHJACCARD", new Dictionary<string, string> { ["mh_lsh_band"] = "8" }, DataType.BinaryVector).Type);
        Assert.Equal(IndexType.BinFlat, IndexSpec.FromMilvus("AUTOINDEX", "MHJACCARD", null, DataType.BinaryVector).Type);
        Assert.Contains("MINHASH_LSH with MHJACCARD",
            Assert.Throws<MilvusException>(() => IndexSpec.FromMilvus("MINHASH_LSH", "HAMMING", null, DataType.BinaryVector)).Message);
        Assert.Contains("MHJACCARD goes with index type MINHASH_LSH only",
            Assert.Throws<MilvusException>(() => IndexSpec.FromMilvus("BIN_FLAT", "MHJACCARD", null, DataType.BinaryVector)).Message);
        Assert.Throws<MilvusException>(() => IndexSpec.FromMilvus("MINHASH_LSH", "MHJACCARD", null, DataType.FloatVector));
    }

    [Fact]
    public void Metric_must_fit_the_index_type()
    {
        var error = Assert.Throws<MilvusException>(() => VectorIndexes.Build(new IndexSpec(IndexType.Hnsw, MetricType.Hamming), 8, new float[8]));
        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains("HAMMING", error.Message);
        Assert.Throws<MilvusException>(() => VectorIndexes.BuildBinary(new IndexSpec(IndexType.BinFlat, MetricType.L2), 8, new byte[1]));
        Assert.Throws<MilvusException>(() => VectorIndexes.BuildBinary(new IndexSpec(IndexType.BinFlat, MetricType.Hamming), 12, new byte[3]));
    }

    [Fact]
    public void Hnsw_ef_below_topk_is_rejected_and_defaults_to_at_least_16()
    {
        Assert.Equal(16, IndexParams.HnswSearchEf(Searches.Params(), 10));
        Assert.Equal(50, IndexParams.HnswSearchEf(Searches.Params(), 50));
        var error = Assert.Throws<MilvusException>(() => IndexParams.HnswSearchEf(Searches.Params(("ef", "5")), 10));
        Assert.Contains("'ef'", error.Message);
    }
}
