using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Configuration;
using Google.Protobuf;
using Grpc.Net.Client;
using Milvus.Akka.Client;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.TestSupport;
using static Milvus.Akka.Server.Tests.IdVectorRequests;

namespace Milvus.Akka.Server.Tests;

/// <summary>
/// A .NET application's ActorSystem outside the cluster (remoting only, its own system name) uses
/// <see cref="MilvusClusterClient"/> against a node's receptionist: it creates, indexes and loads a collection, inserts,
/// searches and queries with results checked against brute force over the rows it sent, and bad input fails with the
/// status the gRPC API gives the same request. Both sides serialize every message (serialize-messages = on).
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class ClusterClientTests : IAsyncLifetime
{
    private const string Collection = "from_cluster_client";
    private const int Dim = 8;
    private const int Rows = 300;

    private readonly string _dataDir = StandaloneNode.NewDataDir();
    private MilvusNode? _node;
    private ActorSystem? _application;

    public async Task InitializeAsync()
    {
        _node = await StandaloneNode.StartAsync(_dataDir);
        _application = ActorSystem.Create("application", ConfigurationFactory.ParseString("""
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
            akka.actor.serialize-messages = on
            akka.loglevel = WARNING
            """).WithFallback(MilvusClusterClient.DefaultConfig));
    }

    public async Task DisposeAsync()
    {
        if (_application is not null)
        {
            await _application.Terminate();
        }

        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        Directory.Delete(_dataDir, recursive: true);
    }

    [Fact]
    public async Task An_application_outside_the_cluster_creates_inserts_searches_and_queries_with_the_gRPC_edge_semantics()
    {
        await using var client = new MilvusClusterClient(_application!, [_node!.Address.ToString()]);
        await client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = Collection, Schema = Schema(Collection, Dim).ToByteString(), ShardsNum = 2 });
        Assert.True(await client.HasCollectionAsync(new HasCollectionRequest { CollectionName = Collection }));
        await client.CreateIndexAsync(new CreateIndexRequest
        {
            CollectionName = Collection, FieldName = "vec", ExtraParams = { Pair("index_type", "FLAT"), Pair("metric_type", "L2") },
        });
        await client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = Collection });

        var insert = Insert(Collection, Dim, 0, Rows);
        var inserted = await client.InsertAsync(insert);
        Assert.Equal(Rows, inserted.InsertCnt);
        var vectors = insert.FieldsData.Single(f => f.FieldName == "vec").Vectors.FloatVector.Data.Chunk(Dim).ToArray();

        var query = vectors[17];
        var search = await client.SearchAsync(Search(Collection, query, topK: 5, ConsistencyLevel.Strong));
        var expected = vectors.Select((v, id) => (Id: (long)id, Distance: v.Zip(query, (a, b) => (a - b) * (a - b)).Sum()))
            .OrderBy(h => h.Distance).Take(5).Select(h => h.Id);
        Assert.Equal(expected, search.Results.Ids.IntId.Data);

        var rows = await client.QueryAsync(new QueryRequest
        {
            CollectionName = Collection, Expr = "id in [3, 250, 999]", OutputFields = { "id" }, ConsistencyLevel = ConsistencyLevel.Strong,
        });
        Assert.Equal([3L, 250L], rows.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data.Order());
        var count = await client.QueryAsync(new QueryRequest { CollectionName = Collection, OutputFields = { "count(*)" }, ConsistencyLevel = ConsistencyLevel.Strong });
        Assert.Equal(Rows, count.FieldsData.Single().Scalars.LongData.Data.Single());

        // A flush names the segments it sealed (one a shard); the flush state tells when they are in object storage.
        var flushed = await client.FlushAsync(new FlushRequest { CollectionNames = { Collection } });
        var segments = flushed.CollSegIDs[Collection].Data;
        Assert.Equal(2, segments.Count);
        await Eventually.UntilAsync(() => client.GetFlushStateAsync(new GetFlushStateRequest { CollectionName = Collection, SegmentIDs = { segments } }),
            "the flushed segments are in object storage");

        // Bad input: the same request through gRPC and through the cluster client fails with the same status.
        var wrongDimension = Insert(Collection, Dim + 1, 10_000, 3);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_node.GrpcPort}");
        var viaGrpc = (await new MilvusService.MilvusServiceClient(channel).InsertAsync(wrongDimension)).Status;
        Assert.NotEqual(0, viaGrpc.Code);
        var viaClient = await Assert.ThrowsAsync<MilvusClientException>(() => client.InsertAsync(wrongDimension));
        Assert.Equal(viaGrpc, viaClient.Status);
        var unknown = await Assert.ThrowsAsync<MilvusClientException>(() => client.QueryAsync(new QueryRequest { CollectionName = "missing", Expr = "id > 0" }));
        Assert.Equal((await new MilvusService.MilvusServiceClient(channel).QueryAsync(new QueryRequest { CollectionName = "missing", Expr = "id > 0" })).Status, unknown.Status);
    }
}
