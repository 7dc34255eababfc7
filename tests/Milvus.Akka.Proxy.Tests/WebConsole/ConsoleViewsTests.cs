using System.Collections.Immutable;
using System.Text.Json;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Proxy.WebConsole;

namespace Milvus.Akka.Proxy.Tests.WebConsole;

/// <summary>The console's JSON API as built from the coordinator's answers, and the names the page reads from it.</summary>
public sealed class ConsoleViewsTests
{
    private static readonly CollectionSchema Schema = new()
    {
        Name = "books",
        Fields =
        [
            new FieldSchema { FieldId = 100, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
            new FieldSchema { FieldId = 101, Name = "vec", DataType = DataType.FloatVector },
        ],
    };

    private static readonly CollectionInfo Books = new(42, "default", "books", Schema, 2, ConsistencyLevel.Session,
        [new PartitionInfo(7, "_default", 1)],
        [new IndexInfo(5, "vec_idx", 101, ImmutableSortedDictionary<string, string>.Empty.Add("index_type", "HNSW").Add("metric_type", "L2"), 1)],
        [], ImmutableSortedDictionary<string, string>.Empty, 1, Loaded: true);

    private static SegmentInfo Segment(long id, long rows, bool indexed) => new(id, 42, 7, $"42_{id % 2}", rows, $"m/{id}",
        indexed ? ImmutableDictionary<long, string>.Empty.Add(101, $"index/{id}") : ImmutableDictionary<long, string>.Empty, 1);

    private static readonly CollectionDistribution Distribution = new(
        [new ServedSegment(Segment(1, 100, indexed: true), 77), new ServedSegment(Segment(2, 30, indexed: true), 0), new ServedSegment(Segment(3, 5, indexed: false), 0)],
        [new ShardLeader("42_0", 12, "akka.tcp://milvus@10.0.0.1:2552"), new ShardLeader("42_1", 0, "")]);

    [Fact]
    public void A_collection_shows_its_load_state_shards_and_segments_by_state()
    {
        var view = ConsoleViews.Collection(Books, Distribution, rows: 150);

        Assert.Equal(("default", "books", 150L), (view.Database, view.Name, view.Rows));
        // One of three flushed segments is served: the load is under way.
        Assert.Equal(("Loading", 33), (view.LoadState, view.LoadPercent));
        Assert.Equal(new[] { "vec_idx (HNSW on vec)" }, view.Indexes);
        Assert.Equal(new[] { new ShardView("42_0", 12, "akka.tcp://milvus@10.0.0.1:2552"), new ShardView("42_1", 0, "") }, view.Shards);
        Assert.Equal(new[] { new SegmentStateView("Flushed", 1, 5), new SegmentStateView("Indexed", 1, 30), new SegmentStateView("Served", 1, 100) },
            view.SegmentStates);
        Assert.Equal([("Served", 77L), ("Indexed", 0L), ("Flushed", 0L)], view.Segments.Select(s => (s.State, s.NodeId)));

        var served = Distribution with { Segments = [.. Distribution.Segments.Select(s => s with { NodeId = 77 })] };
        Assert.Equal(("Loaded", 100), (ConsoleViews.Collection(Books, served, 150).LoadState, ConsoleViews.Collection(Books, served, 150).LoadPercent));
        var released = ConsoleViews.Collection(Books with { Loaded = false }, Distribution with { Segments = [] }, null);
        Assert.Equal(("NotLoad", 0, (long?)null), (released.LoadState, released.LoadPercent, released.Rows));
    }

    [Fact]
    public void Tasks_name_their_collection_and_take_their_duration_from_start_and_end()
    {
        var start = DateTimeOffset.FromUnixTimeMilliseconds(1_000_000);
        var history = new TaskHistory(
            [new BackgroundTask(BackgroundTaskKind.Compaction, 9, 42, [1, 2], BackgroundTaskState.Queued, null, null, "into segment 3")],
            [
                new BackgroundTask(BackgroundTaskKind.IndexBuild, 8, 42, [1], BackgroundTaskState.Completed, start, start.AddMilliseconds(1500), "HNSW on vec"),
                new BackgroundTask(BackgroundTaskKind.Flush, 1, 99, [1], BackgroundTaskState.Completed, null, start, "100 rows"),
            ]);

        var view = ConsoleViews.Tasks(history, new Dictionary<long, string> { [42] = "default.books" });

        Assert.Equal(("Compaction", "default.books", "Queued", (double?)null), (view.Active[0].Kind, view.Active[0].Collection, view.Active[0].State,
            view.Active[0].DurationMs));
        Assert.Equal(("IndexBuild", 1500.0), (view.Recent[0].Kind, view.Recent[0].DurationMs!.Value));
        // A dropped collection's task keeps its id.
        Assert.Equal(("Flush", "#99", (double?)null), (view.Recent[1].Kind, view.Recent[1].Collection, view.Recent[1].DurationMs));
    }

    [Fact]
    public void The_json_has_the_names_the_page_reads()
    {
        var cluster = ConsoleViews.Cluster(new ClusterTopology(
            [new ClusterNode(12, "akka.tcp://milvus@10.0.0.1:2552", ["coordinator", "proxy"], "Up"), new ClusterNode(13, "akka.tcp://milvus@10.0.0.2:2552", ["query"], "Joining")],
            12), "akka.tcp://milvus@10.0.0.1:2552");
        using var clusterJson = JsonDocument.Parse(JsonSerializer.Serialize(cluster, ConsoleJson.Default.ClusterView));
        var first = clusterJson.RootElement.GetProperty("nodes")[0];
        Assert.Equal(12, first.GetProperty("id").GetInt64());
        Assert.True(first.GetProperty("coordinator").GetBoolean());
        Assert.False(clusterJson.RootElement.GetProperty("nodes")[1].GetProperty("coordinator").GetBoolean());
        Assert.Equal("proxy", first.GetProperty("roles")[1].GetString());
        Assert.Equal("akka.tcp://milvus@10.0.0.1:2552", clusterJson.RootElement.GetProperty("servedBy").GetString());

        var collections = new CollectionsView([ConsoleViews.Collection(Books, Distribution, 150)]);
        using var collectionsJson = JsonDocument.Parse(JsonSerializer.Serialize(collections, ConsoleJson.Default.CollectionsView));
        var books = collectionsJson.RootElement.GetProperty("collections")[0];
        Assert.Equal(150, books.GetProperty("rows").GetInt64());
        Assert.Equal("Loading", books.GetProperty("loadState").GetString());
        Assert.Equal("Served", books.GetProperty("segmentStates")[2].GetProperty("state").GetString());
        Assert.Equal(77, books.GetProperty("segments")[0].GetProperty("nodeId").GetInt64());
        Assert.Equal("42_1", books.GetProperty("shards")[1].GetProperty("name").GetString());

        var requests = new RequestsView([new RateSample(5, 3, 2, 1, 0, 1.5, 2)], 5000, []);
        using var requestsJson = JsonDocument.Parse(JsonSerializer.Serialize(requests, ConsoleJson.Default.RequestsView));
        var sample = requestsJson.RootElement.GetProperty("samples")[0];
        Assert.Equal((3, 2, 1, 1.5), (sample.GetProperty("requests").GetInt32(), sample.GetProperty("reads").GetInt32(), sample.GetProperty("writes").GetInt32(),
            sample.GetProperty("meanLatencyMs").GetDouble()));
        Assert.Equal(5000, requestsJson.RootElement.GetProperty("slowThresholdMs").GetDouble());
    }
}
