using System.Collections.Immutable;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;

namespace Milvus.Akka.Coordinator;

/// <summary>Compacts every flushed segment of a collection now (Milvus's ManualCompaction); replies <see cref="CompactionScheduled"/>.</summary>
public sealed record CompactCollection(long CollectionId) : ICoordinatorMessage;

public sealed record CompactionScheduled(long CompactionId, int Tasks) : ICoordinatorMessage;

/// <summary>Asks whether the compaction tasks of a collection are finished; replies <see cref="CompactionState"/>.</summary>
public sealed record GetCompactionState(long CollectionId) : ICoordinatorMessage;

public sealed record CompactionState(int Pending, int Running, long Completed) : ICoordinatorMessage;

/// <summary>A data node asks for compaction work; the reply is a <see cref="CompactionTask"/> or <see cref="NoTask"/>.</summary>
public sealed record RequestCompactionTask : ICoordinatorMessage
{
    public static readonly RequestCompactionTask Instance = new();
}

/// <summary>
/// Merge <paramref name="Inputs"/> (flushed segments of one shard and partition) into a new segment
/// <paramref name="TargetSegmentId"/>, dropping rows deleted before the merge.
/// </summary>
public sealed record CompactionTask(long TaskId, CollectionSchema Schema, ImmutableArray<SegmentInfo> Inputs, long TargetSegmentId) : ICoordinatorMessage;

/// <summary>The merged segment is in object storage; <paramref name="Result"/> is null when every row was deleted.</summary>
public sealed record CompactionCompleted(long TaskId, SegmentInfo? Result, ImmutableArray<long> InputIds) : ICoordinatorMessage;

public sealed record CompactionFailed(long TaskId, string Reason) : ICoordinatorMessage;

/// <summary>
/// Told to a shard when a compaction committed: <paramref name="Result"/> replaces <paramref name="Replaced"/>. The shard
/// switches its reads once the result is served (or at once when the collection is not loaded).
/// </summary>
public sealed record SegmentsReplaced(string ShardName, SegmentInfo? Result, ImmutableArray<long> Replaced) : ICoordinatorMessage, IShardCommand
{
    string IShardCommand.ShardName => ShardName;
}
