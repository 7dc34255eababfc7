using System.Collections.Immutable;
using Akka.Cluster.Sharding;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Proxy;
using Milvus.Akka.TestSupport;
using Xunit.Abstractions;
using static Milvus.Akka.Server.Tests.SmallCollections;

namespace Milvus.Akka.Server.Tests;

/// <summary>
/// The proxy keeps the coordinator off the data path (cached metadata, id and timestamp blocks) without serving stale
/// answers: a DDL call is seen at once by the proxy that made it, and by every other proxy within the pub-sub delay.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class ProxyCoordinatorTrafficTests(ITestOutputHelper output) : StandaloneNodeTest
{
    private const int Dim = 4;

    [Fact]
    public async Task Steady_state_inserts_and_reads_ask_the_coordinator_nothing_and_strong_reads_one_fresh_timestamp()
    {
        var collection = new OracleCollection(Proxy, "traffic", seed: 5);
        await collection.CreateAndLoadAsync(shards: 2);
        await collection.InsertAsync(0, 10);

        var before = Proxy.CoordinatorAsks;
        for (var i = 1; i <= 20; i++)
        {
            await collection.InsertAsync(i * 100, 10);
        }

        var inserts = Proxy.CoordinatorAsks - before;

        before = Proxy.CoordinatorAsks;
        for (var i = 0; i < 20; i++)
        {
            await Proxy.SearchAsync(new SearchRequest { Collection = "traffic", VectorField = "vec_l2", Vectors = collection.Rows.RandomQuery(), Limit = 5 });
            await Proxy.QueryAsync(new QueryRequest { Collection = "traffic", OutputFields = [MilvusProxy.CountStar] });
        }

        var boundedReads = Proxy.CoordinatorAsks - before;

        before = Proxy.CoordinatorAsks;
        for (var i = 0; i < 10; i++)
        {
            await Proxy.SearchAsync(new SearchRequest
            {
                Collection = "traffic", VectorField = "vec_l2", Vectors = collection.Rows.RandomQuery(), Limit = 5, Consistency = ConsistencyLevel.Strong,
            });
        }

        var strongSearches = Proxy.CoordinatorAsks - before;

        before = Proxy.CoordinatorAsks;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Proxy.QueryAsync(new QueryRequest
        {
            Collection = "traffic", OutputFields = [MilvusProxy.CountStar], Consistency = ConsistencyLevel.Strong,
        })));
        var concurrentStrongQueries = Proxy.CoordinatorAsks - before;

        output.WriteLine($"coordinator asks: 20 inserts {inserts}, 20 bounded searches + 20 bounded queries {boundedReads}, " +
            $"10 sequential strong searches {strongSearches}, 16 concurrent strong queries {concurrentStrongQueries}");
        Assert.Equal(0, inserts);
        Assert.Equal(0, boundedReads);
        Assert.Equal(10, strongSearches);
        Assert.InRange(concurrentStrongQueries, 1, 16);
        await collection.AssertMatchesOracleAsync();
    }

    [Fact]
    public async Task A_ddl_call_is_seen_at_once_by_the_proxy_that_made_it()
    {
        await CreateLoadedAsync(Proxy, "books", Dim);
        await Proxy.InsertAsync(null, "books", Rows(0, 3, Dim));
        Assert.Equal(3, await CountAsync(Proxy, "books"));

        // Release and load: reads fail, then work again, with no delay.
        await Proxy.ReleaseCollectionAsync(null, "books");
        var notLoaded = await Assert.ThrowsAsync<MilvusException>(() => SearchAsync(Proxy, "books", Dim));
        Assert.Equal(ErrorCode.CollectionNotLoaded, notLoaded.Code);
        await Proxy.LoadCollectionAsync(null, "books");
        await SearchAsync(Proxy, "books", Dim);

        // A new partition takes writes at once.
        await Proxy.CreatePartitionAsync(null, "books", "recent");
        await Proxy.InsertAsync(null, "books", Rows(100, 2, Dim), "recent");
        Assert.Equal(2, await CountAsync(Proxy, "books", "recent"));

        // An alias moved to another collection reads the new target at once.
        await CreateLoadedAsync(Proxy, "novels", Dim);
        await Proxy.CreateAliasAsync(null, "shelf", "books");
        Assert.Equal(5, await CountAsync(Proxy, "shelf"));
        await Proxy.AlterAliasAsync(null, "shelf", "novels");
        Assert.Equal(0, await CountAsync(Proxy, "shelf"));
        await Proxy.InsertAsync(null, "shelf", Rows(0, 4, Dim));
        Assert.Equal(4, await CountAsync(Proxy, "novels"));
        await Proxy.DropAliasAsync(null, "shelf");

        // Dropped and created again under the same name, with another dimension and id: the new one is used at once.
        var old = await Proxy.ResolveCollectionAsync(null, "books");
        await Proxy.ReleaseCollectionAsync(null, "books");
        await Proxy.DropCollectionAsync(null, "books");
        var gone = await Assert.ThrowsAsync<MilvusException>(() => Proxy.InsertAsync(null, "books", Rows(0, 1, Dim)));
        Assert.Equal(ErrorCode.CollectionNotFound, gone.Code);
        await CreateLoadedAsync(Proxy, "books", 2 * Dim);
        Assert.NotEqual(old.Id, (await Proxy.ResolveCollectionAsync(null, "books")).Id);
        await Proxy.InsertAsync(null, "books", Rows(0, 6, 2 * Dim));
        Assert.Equal(6, await CountAsync(Proxy, "books"));
        await SearchAsync(Proxy, "books", 2 * Dim);

        // A rename: the old name is gone, the new one reads the same data.
        await Proxy.RenameCollectionAsync(null, "books", null, "archive");
        Assert.Equal(ErrorCode.CollectionNotFound, (await Assert.ThrowsAsync<MilvusException>(() => CountAsync(Proxy, "books"))).Code);
        Assert.Equal(6, await CountAsync(Proxy, "archive"));
    }
}

/// <summary>Two proxies on one cluster: proxy A writes, proxy B reads, through their own caches and timestamp blocks.</summary>
[Collection(SerialCollection.Name)]
public sealed class TwoProxyConsistencyTests
{
    private const int Dim = 4;

    [Fact]
    public async Task Through_two_proxies_a_strong_read_sees_every_write_the_other_acknowledged_and_ddl_reaches_both()
    {
        await using var cluster = await LocalCluster.StartAsync(StandaloneNode.TestConfig);
        var writer = cluster.Front.Proxy!;
        // A second proxy with its own metadata cache, timestamp and id blocks and pub-sub subscription. It runs on the front
        // node: a streaming node's own shard region can disagree on where sharding's coordinator runs (see LocalCluster).
        var system = cluster.Front.System;
        var coordinator = await system.ActorSelection("/user/coordinator-proxy").ResolveOne(TimeSpan.FromSeconds(10));
        var reader = new MilvusProxy(coordinator, ClusterSharding.Get(system).ShardRegion(MilvusNode.ShardTypeName), writer.Settings,
            RouteChanges.Get(system), LocalShards.Get(system), cluster.Front.Objects, ImportJob.NodeName(global::Akka.Cluster.Cluster.Get(system).SelfUniqueAddress));
        system.ActorOf(CatalogSubscriber.Props(reader.Catalog), "second-proxy-catalog");

        await CreateLoadedAsync(writer, "shared", Dim, shards: 2);
        // The reader caches the collection before the writes, so its reads ask the coordinator only for timestamps.
        // Sharding may still be settling on its coordinator in a new three-node cluster (see LocalCluster).
        await Eventually.UntilAsync(async () => await Record.ExceptionAsync(() => CountAsync(reader, "shared")) is null,
            "both shards answer the second proxy", seconds: 120);

        long acknowledged = 0;
        for (var i = 0; i < 40; i++)
        {
            // Keys spread over both shards; every other round deletes one of the rows written before.
            await writer.InsertAsync(null, "shared", Rows(i * 10, 3, Dim));
            acknowledged += 3;
            if (i % 2 == 1)
            {
                await writer.DeleteAsync(null, "shared", $"id in [{(i - 1) * 10}]");
                acknowledged--;
            }

            Assert.Equal(acknowledged, await CountAsync(reader, "shared"));
        }

        // DDL through the writer: the reader learns of it over pub-sub, or from the catalog version on its next timestamp reply.
        await writer.ReleaseCollectionAsync(null, "shared");
        await Eventually.UntilAsync(async () =>
        {
            var failure = await Record.ExceptionAsync(() => SearchAsync(reader, "shared", Dim));
            return failure is MilvusException { Code: ErrorCode.CollectionNotLoaded };
        }, "the reader proxy sees the release");
        await writer.DropCollectionAsync(null, "shared");
        await CreateLoadedAsync(writer, "shared", 2 * Dim);
        await writer.InsertAsync(null, "shared", Rows(0, 5, 2 * Dim));
        await Eventually.UntilAsync(async () =>
        {
            try
            {
                await SearchAsync(reader, "shared", 2 * Dim);
                return await CountAsync(reader, "shared") == 5;
            }
            catch (MilvusException)
            {
                return false;
            }
        }, "the reader proxy uses the collection created again under the same name");
    }
}

/// <summary>A two-field collection (id, vec) and the calls the proxy-cache tests make on it.</summary>
internal static class SmallCollections
{
    public static CollectionSchema Schema(string name, int dim) => new()
    {
        Name = name,
        Fields =
        [
            new FieldSchema { FieldId = 100, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
            new FieldSchema
            {
                FieldId = 101, Name = "vec", DataType = DataType.FloatVector,
                TypeParams = ImmutableSortedDictionary.CreateRange([KeyValuePair.Create(FieldSchema.DimKey, dim.ToString())]),
            },
        ],
    };

    public static async Task CreateLoadedAsync(MilvusProxy proxy, string name, int dim, int shards = 1)
    {
        await proxy.CreateCollectionAsync(null, Schema(name, dim), shards);
        await proxy.CreateIndexAsync(null, name, "vec", null,
            ImmutableSortedDictionary<string, string>.Empty.Add("index_type", "FLAT").Add("metric_type", "L2"));
        await proxy.LoadCollectionAsync(null, name);
    }

    public static Dictionary<string, Column> Rows(long firstId, int count, int dim) => new()
    {
        ["id"] = new ScalarColumn<long>(DataType.Int64, [.. Enumerable.Range(0, count).Select(i => firstId + i)]),
        ["vec"] = new VectorColumn<float>(DataType.FloatVector, dim, [.. Enumerable.Range(0, count * dim).Select(i => (float)Math.Sin(firstId + i))]),
    };

    /// <summary>count(*) at Strong: the live rows (the row statistics also count deleted rows until compaction).</summary>
    public static async Task<long> CountAsync(MilvusProxy proxy, string collection, string? partition = null) =>
        (await proxy.QueryAsync(new QueryRequest
        {
            Collection = collection, OutputFields = [MilvusProxy.CountStar], Partitions = partition is null ? [] : [partition], Consistency = ConsistencyLevel.Strong,
        })).Count;

    public static Task<SearchResult> SearchAsync(MilvusProxy proxy, string collection, int dim) =>
        proxy.SearchAsync(new SearchRequest { Collection = collection, Vectors = new float[dim], Limit = 3, Consistency = ConsistencyLevel.Strong });
}
