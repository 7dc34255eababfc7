using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Proxy;

namespace Milvus.Akka.Server.Tests;

/// <summary>Bad requests get an error that names the problem, with a Milvus status code, and the node keeps serving.</summary>
public sealed class BadInputTests : StandaloneNodeTest
{
    private const string Collection = "bad_input";
    private readonly TestRows _rows = new(seed: 3);

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await Proxy.CreateCollectionAsync(null, TestRows.Schema(Collection));
        await Proxy.InsertAsync(null, Collection, _rows.Make(0, 100));
        foreach (var field in TestRows.VectorFields)
        {
            await Proxy.CreateIndexAsync(null, Collection, field, null,
                ImmutableSortedDictionary<string, string>.Empty.Add("index_type", "FLAT").Add("metric_type", "L2"));
        }

        await Proxy.LoadCollectionAsync(null, Collection);
    }

    [Fact]
    public async Task Wrong_dimension_on_insert_names_the_field_and_both_dims()
    {
        var columns = _rows.Make(1000, 3);
        columns["vec_l2"] = new VectorColumn<float>(DataType.FloatVector, 64, new float[64 * 3]);
        var error = await Assert.ThrowsAsync<MilvusException>(() => Proxy.InsertAsync(null, Collection, columns));
        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains("vec_l2", error.Message);
        Assert.Contains("64", error.Message);
        Assert.Contains("128", error.Message);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Wrong_dimension_on_search_is_refused()
    {
        var error = await Assert.ThrowsAsync<MilvusException>(() => Proxy.SearchAsync(new SearchRequest
        {
            Collection = Collection,
            VectorField = "vec_l2",
            Vectors = new float[100],
            Limit = 5,
        }));
        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains("dim", error.Message);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Unknown_and_missing_fields_are_named()
    {
        var unknown = _rows.Make(2000, 2);
        unknown["colour"] = new StringColumn(["red", "blue"]);
        var error = await Assert.ThrowsAsync<MilvusException>(() => Proxy.InsertAsync(null, Collection, unknown));
        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains("colour", error.Message);

        var missing = _rows.Make(3000, 2);
        missing.Remove("num");
        error = await Assert.ThrowsAsync<MilvusException>(() => Proxy.InsertAsync(null, Collection, missing));
        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains("'num' is missing", error.Message);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Bad_filter_syntax_points_at_the_problem()
    {
        var error = await Assert.ThrowsAsync<MilvusException>(() => Proxy.QueryAsync(new QueryRequest { Collection = Collection, Filter = "num >" }));
        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains("num >", error.Message);
        Assert.Contains("position", error.Message);

        error = await Assert.ThrowsAsync<MilvusException>(() => Proxy.QueryAsync(new QueryRequest { Collection = Collection, Filter = "nope == 1" }));
        Assert.Contains("nope", error.Message);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Unknown_collection_and_duplicate_collection_are_refused()
    {
        var error = await Assert.ThrowsAsync<MilvusException>(() => Proxy.InsertAsync(null, "no_such_collection", _rows.Make(4000, 1)));
        Assert.Equal(ErrorCode.CollectionNotFound, error.Code);
        Assert.Contains("no_such_collection", error.Message);
        Assert.Equal(4, error.Code.LegacyCode());

        var different = TestRows.Schema(Collection) with { Description = "another schema" };
        error = await Assert.ThrowsAsync<MilvusException>(() => Proxy.CreateCollectionAsync(null, different));
        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains(Collection, error.Message);

        // Creating the very same schema again is accepted, as Milvus does.
        await Proxy.CreateCollectionAsync(null, TestRows.Schema(Collection));
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Invalid_schemas_are_refused_with_the_rule_they_break()
    {
        var noVector = TestRows.Schema("no_vector") with { Fields = [.. TestRows.Schema("x").Fields.Where(f => !f.DataType.IsVector())] };
        var error = await Assert.ThrowsAsync<MilvusException>(() => Proxy.CreateCollectionAsync(null, noVector));
        Assert.Equal(ErrorCode.CollectionIllegalSchema, error.Code);
        Assert.Contains("vector", error.Message);

        var badName = TestRows.Schema("1starts_with_digit");
        error = await Assert.ThrowsAsync<MilvusException>(() => Proxy.CreateCollectionAsync(null, badName));
        Assert.Contains("1starts_with_digit", error.Message);
        await AssertStillServingAsync();
    }

    private async Task AssertStillServingAsync()
    {
        var count = await Proxy.QueryAsync(new QueryRequest { Collection = Collection, OutputFields = ["count(*)"], Consistency = ConsistencyLevel.Strong });
        Assert.Equal(100, count.Count);
    }
}
