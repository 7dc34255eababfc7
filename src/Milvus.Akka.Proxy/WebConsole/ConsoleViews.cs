using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Milvus.Akka.Coordinator;

namespace Milvus.Akka.Proxy.WebConsole;

// What the console's JSON API answers (/api/console/...). Plain records: the console's page is their only reader.

/// <summary>The cluster's members as the coordinator sees them; <paramref name="ServedBy"/> is the node answering.</summary>
public sealed record ClusterView(ImmutableArray<NodeView> Nodes, string ServedBy);

public sealed record NodeView(long Id, string Address, ImmutableArray<string> Roles, string Status, bool Coordinator);

public sealed record CollectionsView(ImmutableArray<CollectionView> Collections);

/// <summary>
/// A collection: <paramref name="LoadState"/> is Milvus's (NotLoad, Loading, Loaded), <paramref name="Rows"/> the rows stored
/// now, growing ones included (null when the count failed), <paramref name="Segments"/> its flushed segments by state.
/// </summary>
public sealed record CollectionView(
    long Id,
    string Database,
    string Name,
    string LoadState,
    int LoadPercent,
    long? Rows,
    ImmutableArray<string> Indexes,
    ImmutableArray<ShardView> Shards,
    ImmutableArray<SegmentStateView> SegmentStates,
    ImmutableArray<SegmentView> Segments);

/// <summary>A shard (Milvus's vchannel) and the streaming node running it; 0 and "" while it is not placed.</summary>
public sealed record ShardView(string Name, long NodeId, string Address);

/// <summary>A flushed segment: Flushed (in object storage), Indexed (its index files built) or Served (by query node <paramref name="NodeId"/>).</summary>
public sealed record SegmentView(long Id, long PartitionId, string Shard, long Rows, string State, long NodeId);

public sealed record SegmentStateView(string State, int Count, long Rows);

public sealed record TasksView(ImmutableArray<TaskView> Active, ImmutableArray<TaskView> Recent);

/// <summary>A flush, index build or compaction; <paramref name="DurationMs"/> is known when its start and end are.</summary>
public sealed record TaskView(
    string Kind,
    long Id,
    string Collection,
    ImmutableArray<long> Segments,
    string State,
    DateTimeOffset? Started,
    DateTimeOffset? Finished,
    double? DurationMs,
    string Detail);

/// <summary>This proxy's per-second samples, oldest first, and its slow requests, newest first.</summary>
public sealed record RequestsView(ImmutableArray<RateSample> Samples, double SlowThresholdMs, ImmutableArray<SlowRequest> Slow);

/// <summary>The console's views built from the coordinator's answers; pure, so the JSON API is tested without a cluster.</summary>
public static class ConsoleViews
{
    public const string Flushed = "Flushed";
    public const string Indexed = "Indexed";
    public const string Served = "Served";

    public static ClusterView Cluster(ClusterTopology topology, string servedBy) => new(
        [.. topology.Nodes.Select(n => new NodeView(n.NodeId, n.Address, n.Roles, n.Status, n.NodeId == topology.CoordinatorNodeId))],
        servedBy);

    public static CollectionView Collection(CollectionInfo collection, CollectionDistribution distribution, long? rows)
    {
        // A segment loaded in several replicas is listed once, with the first node serving it.
        var segments = distribution.Segments
            .DistinctBy(s => s.Segment.SegmentId)
            .Select(s => new SegmentView(s.Segment.SegmentId, s.Segment.PartitionId, s.Segment.ShardName, s.Segment.RowCount, StateOf(s), s.NodeId))
            .ToImmutableArray();
        var served = segments.Count(s => s.State == Served);
        var percent = segments.IsEmpty ? 100 : served * 100 / segments.Length;
        var loadState = !collection.Loaded ? "NotLoad" : percent == 100 ? "Loaded" : "Loading";
        var indexes = collection.Indexes
            .Select(i => $"{i.Name} ({i.IndexType} on {collection.Schema.FindField(i.FieldId)?.Name ?? "field " + i.FieldId})")
            .ToImmutableArray();
        var states = new[] { Flushed, Indexed, Served }
            .Select(state => new SegmentStateView(state, segments.Count(s => s.State == state), segments.Where(s => s.State == state).Sum(s => s.Rows)))
            .ToImmutableArray();
        return new CollectionView(collection.Id, collection.Database, collection.Name, loadState, collection.Loaded ? percent : 0, rows, indexes,
            [.. distribution.Shards.Select(s => new ShardView(s.ShardName, s.NodeId, s.Address))], states, segments);
    }

    /// <param name="collectionNames">"database.collection" by collection id; a dropped collection shows its id.</param>
    public static TasksView Tasks(TaskHistory history, IReadOnlyDictionary<long, string> collectionNames) => new(
        [.. history.Active.Select(t => Task(t, collectionNames))],
        [.. history.Recent.Select(t => Task(t, collectionNames))]);

    public static RequestsView Requests(RequestActivity activity) => new(
        activity.Rates.Samples(activity.Time.GetUtcNow().ToUnixTimeSeconds()),
        activity.SlowRequests.Threshold.TotalMilliseconds,
        activity.SlowRequests.NewestFirst());

    private static string StateOf(ServedSegment segment) =>
        segment.NodeId != 0 ? Served : segment.Segment.IndexFiles.IsEmpty ? Flushed : Indexed;

    private static TaskView Task(BackgroundTask task, IReadOnlyDictionary<long, string> collectionNames) => new(
        task.Kind.ToString(),
        task.TaskId,
        collectionNames.GetValueOrDefault(task.CollectionId) ?? $"#{task.CollectionId}",
        task.Segments,
        task.State.ToString(),
        task.Started,
        task.Finished,
        task is { Started: { } started, Finished: { } finished } ? (finished - started).TotalMilliseconds : null,
        task.Detail);
}

/// <summary>The API's JSON, generated at build time (no reflection), with camelCase names for the page's script.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ClusterView))]
[JsonSerializable(typeof(CollectionsView))]
[JsonSerializable(typeof(TasksView))]
[JsonSerializable(typeof(RequestsView))]
[JsonSerializable(typeof(ConsoleError))]
public sealed partial class ConsoleJson : JsonSerializerContext;

/// <summary>Why a console request failed (the Milvus error code's name and message).</summary>
public sealed record ConsoleError(string Code, string Message);
