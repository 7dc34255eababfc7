using System.Collections.Immutable;
using Akka.Actor;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// The catalog's collections as the coordinator's other children read them: an immutable snapshot the catalog hands
/// over after each change (through the coordinator, which forwards it to its segments and compaction children), so no
/// mutable state is shared between actors. <see cref="Version"/> is the catalog version; an older view is ignored.
/// </summary>
public sealed record CatalogView(ulong Version, ImmutableDictionary<long, CollectionInfo> Collections) : INoSerializationVerificationNeeded
{
    public static readonly CatalogView Empty = new(0, ImmutableDictionary<long, CollectionInfo>.Empty);

    /// <summary>The resource groups, the default one first, then in the order they were created.</summary>
    public ImmutableArray<ResourceGroupInfo> ResourceGroups { get; init; } = [global::Milvus.Akka.Coordinator.ResourceGroups.DefaultGroup];

    public bool IsLoaded(SegmentInfo segment) =>
        Collections.TryGetValue(segment.CollectionId, out var collection) && collection.IsPartitionLoaded(segment.PartitionId);
}

/// <summary>Asks the segments child how many live query nodes each resource group has (local only); replies <see cref="GroupNodeCounts"/>.</summary>
public sealed record CountGroupNodes : INoSerializationVerificationNeeded
{
    public static readonly CountGroupNodes Instance = new();
}

/// <summary>Live query nodes per resource group; a group not listed has none.</summary>
public sealed record GroupNodeCounts(ImmutableDictionary<string, int> Counts) : INoSerializationVerificationNeeded;

/// <summary>Asks the catalog for its current <see cref="CatalogView"/> (a child starting or restarting; local only).</summary>
public sealed record GetCatalogView : INoSerializationVerificationNeeded
{
    public static readonly GetCatalogView Instance = new();
}

/// <summary>
/// The flushed segments as the compaction child reads them, handed over by the segments child after each change.
/// <see cref="FlushedInto"/> names the collection a new segment was just flushed into, which may call for an
/// automatic compaction. Views reach the compaction child in the order they were made (one sender, through the
/// coordinator), so it needs no version.
/// </summary>
public sealed record SegmentView(ImmutableDictionary<long, SegmentInfo> Segments, long? FlushedInto = null) : INoSerializationVerificationNeeded;

/// <summary>Asks the segments child for its current <see cref="SegmentView"/> (local only).</summary>
public sealed record GetSegmentView : INoSerializationVerificationNeeded
{
    public static readonly GetSegmentView Instance = new();
}

/// <summary>
/// The compaction child asks the segments child to commit a finished merge: the result joins the catalog, the inputs
/// leave it (recorded for garbage collection) and their shard switches reads. Answered with <see cref="Done"/>, or a
/// failure when an input is gone (local only).
/// </summary>
public sealed record CommitCompaction(CompactionCompleted Completed) : INoSerializationVerificationNeeded;
