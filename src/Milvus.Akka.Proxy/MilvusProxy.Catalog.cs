using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;

namespace Milvus.Akka.Proxy;

/// <summary>Catalog lookups the Milvus API answers beyond plain describe: aliases and row statistics.</summary>
public sealed partial class MilvusProxy
{
    /// <summary>The collection an alias points to; a collection's own name is not an alias.</summary>
    public async Task<CollectionInfo> DescribeAliasAsync(string? database, string alias, CancellationToken cancellationToken = default)
    {
        var collections = await ListCollectionsAsync(database, cancellationToken);
        return collections.FirstOrDefault(c => c.Aliases.Contains(alias))
            ?? throw new MilvusException(ErrorCode.ParameterInvalid, $"alias not found[database={Db(database)}][alias={alias}]");
    }

    /// <summary>
    /// Rows a collection or one of its partitions stores (Milvus's row_count statistic), counted without requiring the
    /// collection to be loaded. As in Milvus, rows deleted or replaced by an upsert count until compaction drops them;
    /// count(*) is the exact number of live rows.
    /// </summary>
    public async Task<long> CountRowsAsync(string? database, string collection, string? partition = null, CancellationToken cancellationToken = default)
    {
        var result = await QueryAsync(new QueryRequest
        {
            Database = Db(database),
            Collection = collection,
            OutputFields = [CountStar],
            Partitions = partition is null ? [] : [partition],
            Consistency = ConsistencyLevel.Strong,
            IncludeDeleted = true,
        }, requireLoaded: false, cancellationToken);
        return result.Count;
    }
}
