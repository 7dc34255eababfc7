using Milvus.Akka.Coordinator;

namespace Milvus.Akka.Proxy;

/// <summary>Manual compaction (Milvus's ManualCompaction and GetCompactionState).</summary>
public sealed partial class MilvusProxy
{
    /// <summary>Schedules the merge of every flushed segment of the collection, dropping deleted rows.</summary>
    public async Task<CompactionScheduled> CompactAsync(string? database, string collection, CancellationToken cancellationToken = default)
    {
        var info = await DescribeCollectionAsync(database, collection, cancellationToken);
        return await Coordinator<CompactionScheduled>(new CompactCollection(info.Id), cancellationToken);
    }

    public async Task<CompactionState> GetCompactionStateAsync(string? database, string collection, CancellationToken cancellationToken = default)
    {
        var info = await DescribeCollectionAsync(database, collection, cancellationToken);
        return await Coordinator<CompactionState>(new GetCompactionState(info.Id), cancellationToken);
    }
}
