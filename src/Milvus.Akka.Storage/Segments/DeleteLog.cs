using Apache.Arrow;
using Milvus.Akka.Common;
using Column = Milvus.Akka.Common.Column;

namespace Milvus.Akka.Storage.Segments;

/// <summary>
/// Deletes applied to a sealed segment: primary key i was deleted at <see cref="Timestamps"/>[i], so it is hidden
/// from reads at or after that timestamp. Stored as an Arrow IPC stream with the columns "pk" and "ts".
/// </summary>
public sealed class DeleteLog
{
    private const string KeyColumn = "pk";
    private const string TimestampColumn = "ts";

    public DeleteLog(Column primaryKeys, ulong[] timestamps)
    {
        if (primaryKeys is not (ScalarColumn<long> { Type: DataType.Int64 } or StringColumn))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"deleted primary keys must be Int64 or VarChar, not {primaryKeys.Type}");
        }

        if (primaryKeys.Validity is not null)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "deleted primary keys may not be null");
        }

        if (timestamps.Length != primaryKeys.Count)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"a delete log needs one timestamp per key: {primaryKeys.Count} keys, {timestamps.Length} timestamps");
        }

        PrimaryKeys = primaryKeys;
        Timestamps = timestamps;
    }

    public static DeleteLog Of(long[] primaryKeys, ulong[] timestamps) => new(new ScalarColumn<long>(DataType.Int64, primaryKeys), timestamps);

    public static DeleteLog Of(string[] primaryKeys, ulong[] timestamps) => new(new StringColumn(primaryKeys), timestamps);

    /// <summary>ScalarColumn&lt;long&gt; for Int64 keys, StringColumn for VarChar keys.</summary>
    public Column PrimaryKeys { get; }

    public ulong[] Timestamps { get; }

    public int Count => Timestamps.Length;

    public DataType KeyType => PrimaryKeys.Type;

    public Task<SegmentFile> WriteAsync(IObjectStore store, string key, CancellationToken cancellationToken = default)
    {
        var keyType = new ColumnType(KeyType);
        var bytes = ArrowIpc.Write(
        [
            (KeyColumn, false, ArrowColumns.Encode(keyType, PrimaryKeys, KeyColumn)),
            (TimestampColumn, false, ArrowColumns.EncodeTimestamps(Timestamps)),
        ], Count);
        return SegmentFile.PutAsync(store, key, bytes, cancellationToken);
    }

    /// <summary>Reads a delete log written by <see cref="WriteAsync"/>, verifying its size and checksum.</summary>
    public static async Task<DeleteLog> ReadAsync(IObjectStore store, SegmentFile file, CancellationToken cancellationToken = default)
    {
        var bytes = await file.GetVerifiedAsync(store, cancellationToken).ConfigureAwait(false);
        return ArrowIpc.Read(bytes, file.Key, [KeyColumn, TimestampColumn], null, batch =>
        {
            var keys = batch.Column(0) is StringArray
                ? ArrowColumns.Decode(new ColumnType(DataType.VarChar), batch.Column(0))
                : ArrowColumns.Decode(new ColumnType(DataType.Int64), batch.Column(0));
            return new DeleteLog(keys, ArrowColumns.DecodeTimestamps(batch.Column(1)));
        });
    }
}
