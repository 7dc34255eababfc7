using System.Collections.Immutable;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Expressions;
using Milvus.Akka.Streaming;

namespace Milvus.Akka.Proxy;

/// <summary>Insert, upsert and delete: validate, allocate ids and a timestamp, route by primary-key hash.</summary>
public sealed partial class MilvusProxy
{
    public async Task<MutationResult> InsertAsync(string? database, string collection, IReadOnlyDictionary<string, Column> columns,
        string? partition = null, CancellationToken cancellationToken = default)
    {
        var info = await DescribeCollectionAsync(database, collection, cancellationToken);
        var batch = await CompleteRowsAsync(info, info.Schema, columns, cancellationToken);
        var timestamp = await AllocateTimestampAsync(cancellationToken);
        var written = await WriteRowsAsync(info, batch, partition, timestamp, cancellationToken);
        return new MutationResult(batch[info.Schema.PrimaryKey.FieldId], batch.RowCount, 0, 0, written);
    }

    /// <summary>Replaces rows by primary key: a delete and an insert at one timestamp, so only the new version is visible.</summary>
    public async Task<MutationResult> UpsertAsync(string? database, string collection, IReadOnlyDictionary<string, Column> columns,
        string? partition = null, CancellationToken cancellationToken = default)
    {
        var info = await DescribeCollectionAsync(database, collection, cancellationToken);
        var pk = info.Schema.PrimaryKey;
        if (!columns.ContainsKey(pk.Name))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"upsert needs the primary key field '{pk.Name}'");
        }

        // An upsert names existing rows, so it carries its primary keys even when the collection generates them on insert.
        var schema = info.Schema with { Fields = [.. info.Schema.Fields.Select(f => f.IsPrimaryKey ? f with { AutoId = false } : f)] };
        var batch = await CompleteRowsAsync(info, schema, columns, cancellationToken);
        var timestamp = await AllocateTimestampAsync(cancellationToken);
        var keys = batch[pk.FieldId];
        await DeleteKeysAsync(info, keys, timestamp, cancellationToken);
        var written = await WriteRowsAsync(info, batch, partition, timestamp, cancellationToken);
        return new MutationResult(keys, 0, 0, batch.RowCount, written);
    }

    /// <summary>Deletes the rows matching a filter; `pk in [...]` goes straight to the shards, other filters query first.</summary>
    public async Task<MutationResult> DeleteAsync(string? database, string collection, string filter, string? partition = null,
        CancellationToken cancellationToken = default)
    {
        var info = await DescribeCollectionAsync(database, collection, cancellationToken);
        if (string.IsNullOrWhiteSpace(filter))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "delete needs a filter expression");
        }

        var parsed = FilterExpression.Parse(filter, info.Schema);
        var pk = info.Schema.PrimaryKey;
        Column keys;
        if (partition is null && parsed.TryGetPrimaryKeyList() is { } list)
        {
            keys = KeysColumn(pk, list);
        }
        else
        {
            var matches = await QueryAsync(new QueryRequest
            {
                Database = Db(database),
                Collection = collection,
                Filter = filter,
                Partitions = partition is null ? [] : [partition],
                Consistency = ConsistencyLevel.Strong,
            }, requireLoaded: false, cancellationToken);
            keys = matches.Ids;
        }

        if (keys.Count == 0)
        {
            return new MutationResult(keys, 0, 0, 0, await AllocateTimestampAsync(cancellationToken));
        }

        var timestamp = await AllocateTimestampAsync(cancellationToken);
        var written = await DeleteKeysAsync(info, keys, timestamp, cancellationToken);
        return new MutationResult(keys, 0, keys.Count, 0, written);
    }

    private static Column KeysColumn(FieldSchema pk, IReadOnlyList<object> keys)
    {
        if (pk.DataType == DataType.Int64)
        {
            return new ScalarColumn<long>(DataType.Int64, keys.Select(k => k is long l
                ? l
                : throw new MilvusException(ErrorCode.ParameterInvalid, $"primary key '{pk.Name}' is Int64, got {k}")).Distinct().ToArray());
        }

        return new StringColumn(keys.Select(k => k as string
            ?? throw new MilvusException(ErrorCode.ParameterInvalid, $"primary key '{pk.Name}' is VarChar, got {k}")).Distinct().ToArray());
    }

    private async Task<RowBatch> CompleteRowsAsync(CollectionInfo info, CollectionSchema schema, IReadOnlyDictionary<string, Column> columns,
        CancellationToken cancellationToken)
    {
        var (validated, rows) = RowValidator.Validate(schema, columns);
        var pk = schema.PrimaryKey;
        if (!validated.ContainsKey(pk.FieldId))
        {
            var ids = await Coordinator<IdsAllocated>(new AllocateIds(rows), cancellationToken);
            var values = new long[rows];
            for (var i = 0; i < rows; i++)
            {
                values[i] = ids.First + i;
            }

            validated = validated.Add(pk.FieldId, new ScalarColumn<long>(DataType.Int64, values));
        }

        return new RowBatch(validated);
    }

    /// <summary>Splits rows by shard (primary-key hash) and partition, in messages small enough for remoting; returns the largest applied timestamp.</summary>
    private async Task<ulong> WriteRowsAsync(CollectionInfo info, RowBatch batch, string? partitionName, ulong timestamp, CancellationToken cancellationToken)
    {
        var pk = batch[info.Schema.PrimaryKey.FieldId];
        var partitions = AssignPartitions(info, batch, partitionName);
        var groups = new Dictionary<(int Shard, long Partition), List<int>>();
        for (var row = 0; row < batch.RowCount; row++)
        {
            var key = (ShardOf(pk, row, info.ShardsNum), partitions[row]);
            if (!groups.TryGetValue(key, out var rows))
            {
                groups[key] = rows = [];
            }

            rows.Add(row);
        }

        var rowBytes = Math.Max(1, EstimateRowBytes(batch));
        var rowsPerMessage = (int)Math.Max(1, settings.MaxShardBatchBytes / rowBytes);
        var writes = new List<Task<InsertAck>>();
        foreach (var ((shard, partition), rows) in groups)
        {
            foreach (var chunk in rows.Chunk(rowsPerMessage))
            {
                writes.Add(Shard<InsertAck>(new InsertRows(info.ShardName(shard), partition, batch.Gather(chunk), timestamp), cancellationToken));
            }
        }

        var acks = await Task.WhenAll(writes);
        return acks.Max(a => a.Timestamp);
    }

    private async Task<ulong> DeleteKeysAsync(CollectionInfo info, Column keys, ulong timestamp, CancellationToken cancellationToken)
    {
        var byShard = Enumerable.Range(0, keys.Count).GroupBy(row => ShardOf(keys, row, info.ShardsNum));
        var acks = await Task.WhenAll(byShard.Select(g =>
            Shard<DeleteAck>(new DeleteRows(info.ShardName(g.Key), keys.Gather(g.ToArray()), timestamp), cancellationToken)));
        return acks.Max(a => a.Timestamp);
    }

    private static int ShardOf(Column pks, int row, int shards) => pks is ScalarColumn<long> longs
        ? PrimaryKeyHash.Bucket(longs.Values[row], shards)
        : PrimaryKeyHash.Bucket(((StringColumn)pks).Values[row], shards);

    private static long[] AssignPartitions(CollectionInfo info, RowBatch batch, string? partitionName)
    {
        var partitions = new long[batch.RowCount];
        if (info.Schema.PartitionKey is { } key)
        {
            if (!string.IsNullOrEmpty(partitionName))
            {
                throw new MilvusException(ErrorCode.OperationNotSupported, "not support manually specifying the partition names if partition key mode is used");
            }

            var column = batch[key.FieldId];
            for (var row = 0; row < batch.RowCount; row++)
            {
                partitions[row] = info.Partitions[ShardOf(column, row, info.Partitions.Length)].Id;
            }

            return partitions;
        }

        var name = string.IsNullOrEmpty(partitionName) ? CollectionInfo.DefaultPartitionName : partitionName;
        var partition = info.FindPartition(name) ?? throw new MilvusException(ErrorCode.PartitionNotFound, $"partition not found[partition={name}]");
        Array.Fill(partitions, partition.Id);
        return partitions;
    }

    private static long EstimateRowBytes(RowBatch batch)
    {
        if (batch.RowCount == 0)
        {
            return 1;
        }

        long total = 0;
        foreach (var column in batch.Columns.Values)
        {
            total += column switch
            {
                VectorColumn<float> v => v.Values.Length * 4L,
                VectorColumn<byte> v => v.Values.Length,
                StringColumn s => s.Values.Sum(v => 4L + (v?.Length ?? 0) * 3),
                JsonColumn j => j.Values.Sum(v => 4L + v.Length),
                ArrayColumn a => a.Values.Sum(v => 8L + v.Length * 8),
                _ => column.Count * 8L,
            };
        }

        return total / batch.RowCount + 1;
    }
}
