using System.Collections.Immutable;
using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.Text;
using Milvus.Akka.TestSupport;
using static Milvus.Akka.TestSupport.MilvusRpc;
using CommonFunctionSchema = Milvus.Akka.Common.FunctionSchema;
using CommonFieldSchema = Milvus.Akka.Common.FieldSchema;
using ProtoQueryRequest = Milvus.Akka.Grpc.Protocol.Milvus.QueryRequest;
using ProtoSearchRequest = Milvus.Akka.Grpc.Protocol.Milvus.SearchRequest;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// Text deduplication with the MinHash function (pymilvus's minhash example): the server fills the signature field
/// from each text at insert, a search by text signs the query the same way and ranks rows by MHJACCARD under a
/// MINHASH_LSH index, over flushed and growing rows; the ranking equals a brute-force MHJACCARD over the signatures the
/// function gives, and Milvus's refusals hold.
/// </summary>
[Collection(GrpcServerCollection.Name)]
public sealed class MinHashRpcTests(GrpcServerFixture server)
{
    private const int NumHashes = 16;

    private static readonly string[] Texts =
    [
        "The quick brown fox jumps over the lazy dog.",
        "A quick brown fox jumped over a lazy dog.",
        "The fast brown fox leaps over the sleepy dog.",
        "Machine learning is transforming artificial intelligence.",
        "Deep learning transforms artificial intelligence research.",
        "Completely unrelated text about cooking recipes.",
        "Completely unrelated text about cooking recipes!",
        "The quick brown fox jumps over the lazy cat.",
    ];

    private static readonly ImmutableSortedDictionary<string, string> FunctionParams =
        ImmutableSortedDictionary.CreateRange([System.Collections.Generic.KeyValuePair.Create("num_hashes", $"{NumHashes}"), System.Collections.Generic.KeyValuePair.Create("shingle_size", "3")]);

    private MilvusService.MilvusServiceClient Client => server.Client;

    private static CollectionSchema Schema(string name, int dim = NumHashes * 32, string inputType = "varchar") => new()
    {
        Name = name,
        Fields =
        {
            new FieldSchema { Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
            inputType == "varchar"
                ? new FieldSchema { Name = "text", DataType = DataType.VarChar, TypeParams = { Pair("max_length", "1000") } }
                : new FieldSchema { Name = "text", DataType = DataType.Int64 },
            new FieldSchema { Name = "sig", DataType = DataType.BinaryVector, TypeParams = { Pair("dim", $"{dim}") } },
        },
        Functions =
        {
            new FunctionSchema
            {
                Name = "text_to_minhash", Type = FunctionType.MinHash, InputFieldNames = { "text" }, OutputFieldNames = { "sig" },
                Params = { FunctionParams.Select(p => Pair(p.Key, p.Value)) },
            },
        },
    };

    /// <summary>The signatures the function gives, from the same code the server runs.</summary>
    private static MinHashSignature Signature() => MinHashSignature.Bind(
        new CommonFunctionSchema { Name = "text_to_minhash", Type = Common.FunctionType.MinHash, InputFieldNames = ["text"], OutputFieldNames = ["sig"], Params = FunctionParams },
        new CommonFieldSchema { FieldId = 101, Name = "text", DataType = Common.DataType.VarChar },
        new CommonFieldSchema
        {
            FieldId = 102, Name = "sig", DataType = Common.DataType.BinaryVector,
            TypeParams = ImmutableSortedDictionary.CreateRange([System.Collections.Generic.KeyValuePair.Create(CommonFieldSchema.DimKey, $"{NumHashes * 32}")]),
        });

    [Fact]
    public async Task A_search_by_text_ranks_flushed_and_growing_rows_by_MHJACCARD_of_the_signatures_the_server_computed()
    {
        var name = "minhash_" + Guid.NewGuid().ToString("N")[..8];
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = Schema(name).ToByteString(), ShardsNum = 2 }));
        var described = await Client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = name });
        Assert.Equal(FunctionType.MinHash, Assert.Single(described.Schema.Functions).Type);
        Assert.True(described.Schema.Fields.Single(f => f.Name == "sig").IsFunctionOutput);
        Succeeded(await Client.CreateIndexAsync(new CreateIndexRequest
        {
            CollectionName = name, FieldName = "sig",
            ExtraParams = { Pair("index_type", "MINHASH_LSH"), Pair("metric_type", "MHJACCARD"), Pair("params", """{"mh_lsh_band": 8, "with_raw_data": true}""") },
        }));
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = name }));

        await InsertAsync(name, 0, 5);
        Succeeded((await Client.FlushedAsync(new FlushRequest { CollectionNames = { name } })).Status);
        await InsertAsync(name, 5, Texts.Length);

        var signature = Signature();
        var rows = signature.Sign(Texts);
        foreach (var query in Texts.Append("Completely unrelated text about cooking recipes?"))
        {
            var response = await Client.SearchAsync(new ProtoSearchRequest
            {
                CollectionName = name,
                PlaceholderGroup = new PlaceholderGroup
                {
                    Placeholders = { new PlaceholderValue { Tag = "$0", Type = PlaceholderType.VarChar, Values = { ByteString.CopyFromUtf8(query) } } },
                }.ToByteString(),
                Nq = 1,
                SearchParams =
                {
                    Pair("anns_field", "sig"), Pair("topk", "3"), Pair("metric_type", "MHJACCARD"),
                    Pair("params", """{"mh_search_with_jaccard": true, "refine_k": 50}"""),
                },
                OutputFields = { "text" },
                ConsistencyLevel = ConsistencyLevel.Strong,
            });
            Succeeded(response.Status);
            var queryRow = signature.Sign([query]);
            var oracle = Enumerable.Range(0, Texts.Length)
                .Select(i => (Id: (long)i, Score: Index.Distances.MhJaccard(queryRow, rows.AsSpan(i * signature.RowBytes, signature.RowBytes))))
                .OrderByDescending(h => h.Score).ThenBy(h => h.Id).Take(3).ToList();
            Assert.Equal(oracle.Select(h => h.Score), response.Results.Scores);
            // Equal scores may come in either order: the ids must hold those scores.
            var scoreOf = Enumerable.Range(0, Texts.Length).ToDictionary(i => (long)i,
                i => Index.Distances.MhJaccard(queryRow, rows.AsSpan(i * signature.RowBytes, signature.RowBytes)));
            Assert.Equal(response.Results.Scores, response.Results.Ids.IntId.Data.Select(id => scoreOf[id]));
            Assert.Equal(response.Results.Ids.IntId.Data.Select(id => Texts[id]), response.Results.FieldsData.Single(f => f.FieldName == "text").Scalars.StringData.Data);
        }

        // The two recipes differ only in punctuation, which the analyzer drops: one signature.
        var recipes = await Client.QueryAsync(new ProtoQueryRequest
        {
            CollectionName = name, Expr = "id in [5, 6]", OutputFields = { "sig" }, ConsistencyLevel = ConsistencyLevel.Strong,
        });
        Succeeded(recipes.Status);
        var signatures = recipes.FieldsData.Single(f => f.FieldName == "sig").Vectors.BinaryVector.ToByteArray();
        Assert.Equal(rows.AsSpan(5 * signature.RowBytes, 2 * signature.RowBytes).ToArray(), signatures);
        Assert.Equal(signatures[..signature.RowBytes], signatures[signature.RowBytes..]);

        Succeeded(await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = name }));
    }

    [Fact]
    public async Task Milvus_refusals_hold_for_the_function_the_index_and_the_metric()
    {
        var name = "minhash_bad_" + Guid.NewGuid().ToString("N")[..8];
        Failed(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = Schema(name, dim: 256).ToByteString() }),
            105, "dim 256 does not match expected dim 512");
        Failed(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = Schema(name, inputType: "int64").ToByteString() }),
            105, "is not string type");

        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = Schema(name).ToByteString() }));
        IllegalArgument(await Client.CreateIndexAsync(new CreateIndexRequest
        {
            CollectionName = name, FieldName = "sig", ExtraParams = { Pair("index_type", "MINHASH_LSH"), Pair("metric_type", "HAMMING") },
        }), "MINHASH_LSH with MHJACCARD");
        IllegalArgument(await Client.CreateIndexAsync(new CreateIndexRequest
        {
            CollectionName = name, FieldName = "sig", ExtraParams = { Pair("index_type", "BIN_IVF_FLAT"), Pair("metric_type", "MHJACCARD"), Pair("params", """{"nlist": 4}""") },
        }), "MHJACCARD goes with index type MINHASH_LSH only");
        // Without a metric the index of a MinHash output is MHJACCARD's.
        Succeeded(await Client.CreateIndexAsync(new CreateIndexRequest { CollectionName = name, FieldName = "sig", ExtraParams = { Pair("index_type", "MINHASH_LSH") } }));
        var index = await Client.DescribeIndexAsync(new DescribeIndexRequest { CollectionName = name, FieldName = "sig" });
        Succeeded(index.Status);
        Assert.Contains(index.IndexDescriptions.Single().Params, p => p.Key == "metric_type" && p.Value == "MHJACCARD");

        var sent = await Client.InsertAsync(new InsertRequest
        {
            CollectionName = name, NumRows = 1,
            FieldsData =
            {
                Int64s("id", [1]), Strings("text", ["a"]),
                new FieldData { FieldName = "sig", Type = DataType.BinaryVector, Vectors = new VectorField { Dim = NumHashes * 32, BinaryVector = ByteString.CopyFrom(new byte[NumHashes * 4]) } },
            },
        });
        Failed(sent.Status, 1100, "output of function text_to_minhash");
        Succeeded(await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = name }));
    }

    private async Task InsertAsync(string name, int from, int to)
    {
        var ids = Enumerable.Range(from, to - from).ToList();
        var inserted = await Client.InsertAsync(new InsertRequest
        {
            CollectionName = name, NumRows = (uint)ids.Count,
            FieldsData = { Int64s("id", ids.Select(i => (long)i)), Strings("text", ids.Select(i => Texts[i])) },
        });
        Succeeded(inserted.Status);
    }
}
