using Milvus.Akka.Coordinator;

namespace Milvus.Akka.Proxy;

/// <summary>Manual compaction (Milvus's ManualCompaction, GetCompactionState and GetCompactionStateWithPlans).</summary>
public sealed partial class MilvusProxy
{
    /// <summary>Schedules the merge of every flushed segment of the collection, dropping deleted rows.</summary>
    public async Task<CompactionScheduled> CompactAsync(string? database, string collection, CancellationToken cancellationToken = default)
    {
        var info = await DescribeCollectionAsync(database, collection, cancellationToken);
        return await CompactAsync(info.Id, cancellationToken);
    }

    /// <summary>Schedules the merges of the collection's flushed segments, up to <paramref name="targetSizeMb"/> MB each when given (Milvus's target_size).</summary>
    public Task<CompactionScheduled> CompactAsync(long collectionId, CancellationToken cancellationToken = default, long targetSizeMb = 0) =>
        Coordinator<CompactionScheduled>(new CompactCollection(collectionId) { TargetSizeMb = targetSizeMb }, cancellationToken);

    /// <summary>The plans of one manual compaction and their outcome; an unknown id has none, which Milvus reports as completed.</summary>
    public async Task<CompactionRecord> GetCompactionAsync(long compactionId, CancellationToken cancellationToken = default) =>
        (await Coordinator<CompactionDescribed>(new GetCompaction(compactionId), cancellationToken)).Compaction;

    /// <summary>How many compaction tasks of the collection, manual or automatic, wait, run or completed.</summary>
    public async Task<CompactionState> GetCompactionStateAsync(string? database, string collection, CancellationToken cancellationToken = default)
    {
        var info = await DescribeCollectionAsync(database, collection, cancellationToken);
        return await Coordinator<CompactionState>(new GetCompactionState(info.Id), cancellationToken);
    }
}
