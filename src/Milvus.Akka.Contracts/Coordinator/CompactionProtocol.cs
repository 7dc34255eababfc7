using System.Collections.Immutable;
using Google.Protobuf;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator.Formats;
using static Milvus.Akka.Cluster.Wire.WireCodec;

namespace Milvus.Akka.Coordinator;

/// <summary>Compacts every flushed segment of a collection now (Milvus's ManualCompaction); replies <see cref="CompactionScheduled"/>.</summary>
public sealed record CompactCollection(long CollectionId) : ICoordinatorMessage
{
    /// <summary>Milvus's target_size in MB: merged segments may grow to it (0: the configured max-merged-rows).</summary>
    public long TargetSizeMb { get; init; }
}

/// <summary>
/// <paramref name="CompactionId"/> names the request in <see cref="GetCompaction"/>; like Milvus it is -1 when there
/// was nothing to compact (<paramref name="Tasks"/> is 0).
/// </summary>
public sealed record CompactionScheduled(long CompactionId, int Tasks) : ICoordinatorMessage;

/// <summary>The plans of one manual compaction and their outcome; replies <see cref="CompactionDescribed"/>.</summary>
public sealed record GetCompaction(long CompactionId) : ICoordinatorMessage;

/// <summary>An unknown (or expired) compaction id has no plans, which Milvus reports as a completed compaction.</summary>
public sealed record CompactionDescribed(CompactionRecord Compaction) : ICoordinatorMessage;

/// <summary>Asks how many compaction tasks of a collection, manual or automatic, wait, run or completed; replies <see cref="CompactionState"/>.</summary>
public sealed record GetCompactionState(long CollectionId) : ICoordinatorMessage;

public sealed record CompactionState(int Pending, int Running, long Completed) : ICoordinatorMessage;

/// <summary>A data node asks for compaction work; the reply is a <see cref="CompactionTask"/> or <see cref="NoTask"/>.</summary>
public sealed record RequestCompactionTask : ICoordinatorMessage
{
    public static readonly RequestCompactionTask Instance = new();
}

/// <summary>
/// Merge <paramref name="Inputs"/> (flushed segments of one shard and partition) into a new segment
/// <paramref name="TargetSegmentId"/> (new for every hand-out of the task, so two attempts never write the same files),
/// dropping rows deleted before the merge and rows older than the collection's
/// <paramref name="Ttl"/> when the merge runs (null: rows never expire) or inserted before <paramref name="TruncatedBefore"/>
/// (the collection's truncation, 0: none).
/// </summary>
public sealed record CompactionTask(long TaskId, CollectionSchema Schema, ImmutableArray<SegmentInfo> Inputs, long TargetSegmentId,
    TimeSpan? Ttl = null, ulong TruncatedBefore = 0) : ICoordinatorMessage;

/// <summary>The merged segment is in object storage; <paramref name="Result"/> is null when every row was deleted.</summary>
public sealed record CompactionCompleted(long TaskId, SegmentInfo? Result, ImmutableArray<long> InputIds) : ICoordinatorMessage;

/// <summary>A hand-out of a task failed; <paramref name="TargetSegmentId"/> tells it from a later hand-out still running.</summary>
public sealed record CompactionFailed(long TaskId, string Reason, long TargetSegmentId) : ICoordinatorMessage;

/// <summary>
/// Told to a shard when a compaction committed: <paramref name="Result"/> replaces <paramref name="Replaced"/>. The shard
/// switches its reads once the result is served (or at once when an input is served by no query node; see SegmentServing).
/// </summary>
public sealed record SegmentsReplaced(string ShardName, SegmentInfo? Result, ImmutableArray<long> Replaced) : ICoordinatorMessage, IShardCommand
{
    string IShardCommand.ShardName => ShardName;
}

public enum CompactionPlanState
{
    /// <summary>Queued or running on a data node; a task whose lease expires is queued again, so it never times out.</summary>
    Executing = 0,
    Completed = 1,

    /// <summary>The data node reported an error, or the inputs were dropped or changed before the result committed.</summary>
    Failed = 2,
}

/// <summary>
/// One merge of a manual compaction (a Milvus compaction plan): <paramref name="Sources"/> become <paramref name="Target"/>,
/// the target of the task's latest hand-out (0 before the first).
/// </summary>
public sealed record CompactionPlan(long PlanId, ImmutableArray<long> Sources, long Target, CompactionPlanState State);

/// <summary>
/// A manual compaction as the coordinator keeps it in meta storage (<c>compaction/{id}</c>), so its state survives a
/// coordinator fail-over. <paramref name="FinishedAt"/> is set once no plan executes; finished records expire.
/// </summary>
public sealed record CompactionRecord(long CompactionId, long CollectionId, ImmutableArray<CompactionPlan> Plans, DateTimeOffset? FinishedAt)
{
    public bool Executing => Plans.Any(p => p.State == CompactionPlanState.Executing);

    public int Count(CompactionPlanState state) => Plans.Count(p => p.State == state);

    public CompactionRecord WithPlanTarget(long planId, long target) =>
        this with { Plans = [.. Plans.Select(p => p.PlanId == planId ? p with { Target = target } : p)] };

    public CompactionRecord WithPlanState(long planId, CompactionPlanState state, DateTimeOffset now)
    {
        var updated = this with { Plans = [.. Plans.Select(p => p.PlanId == planId ? p with { State = state } : p)] };
        return updated.Executing ? updated : updated with { FinishedAt = FinishedAt ?? now };
    }
}

/// <summary>
/// <see cref="CompactionRecord"/> in its stored form (CompactionEntry in Formats/catalog.proto), for meta storage and
/// for cluster messages alike; versioned with the catalog.
/// </summary>
public static class CompactionCodec
{
    public static ByteString Encode(CompactionRecord record)
    {
        var entry = new CompactionEntry
        {
            CompactionId = record.CompactionId,
            CollectionId = record.CollectionId,
            Plans =
            {
                record.Plans.Select(p => new CompactionPlanEntry
                {
                    PlanId = p.PlanId, Sources = RawBytes(p.Sources.AsSpan()), Target = p.Target, State = (long)p.State,
                }),
            },
            // Compaction records have not changed since version 1: writing a later number would make older nodes refuse them.
            FormatVersion = CatalogCodec.BaseFormatVersion,
        };
        if (record.FinishedAt is { } finished)
        {
            entry.FinishedAtUnixMs = finished.ToUnixTimeMilliseconds();
        }

        return entry.ToByteString();
    }

    public static CompactionRecord Decode(ByteString bytes)
    {
        var entry = CompactionEntry.Parser.ParseFrom(bytes);
        CatalogCodec.CheckVersion(entry.FormatVersion, "compaction", entry.CompactionId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new CompactionRecord(entry.CompactionId, entry.CollectionId,
            [.. entry.Plans.Select(p => new CompactionPlan(p.PlanId, [.. ReadRawArray<long>(p.Sources)], p.Target, (CompactionPlanState)p.State))],
            entry.HasFinishedAtUnixMs ? DateTimeOffset.FromUnixTimeMilliseconds(entry.FinishedAtUnixMs) : null);
    }
}
