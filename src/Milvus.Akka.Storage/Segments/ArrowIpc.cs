using Apache.Arrow;
using Apache.Arrow.Ipc;
using Milvus.Akka.Common;

namespace Milvus.Akka.Storage.Segments;

/// <summary>
/// Segment data files are Arrow IPC streams holding exactly one record batch: the reader maps the verified bytes
/// in place (no intermediate copies) and one batch keeps a file self-describing without a footer.
/// </summary>
internal static class ArrowIpc
{
    public static ReadOnlyMemory<byte> Write(IReadOnlyList<(string Name, bool Nullable, IArrowArray Array)> columns, int rowCount)
    {
        var schema = new Schema(columns.Select(c => new Field(c.Name, c.Array.Data.DataType, c.Nullable, null)), null);
        using var batch = new RecordBatch(schema, columns.Select(c => c.Array), rowCount);
        var stream = new MemoryStream();
        using (var writer = new ArrowStreamWriter(stream, schema, leaveOpen: true))
        {
            writer.WriteRecordBatch(batch);
            writer.WriteEnd();
        }

        return stream.GetBuffer().AsMemory(0, (int)stream.Length);
    }

    /// <summary>Reads the file's only batch and checks its shape; <paramref name="read"/> must copy what it keeps.</summary>
    public static T Read<T>(byte[] bytes, string key, IReadOnlyList<string> columnNames, int? rowCount, Func<RecordBatch, T> read)
    {
        try
        {
            using var reader = new ArrowStreamReader(new ReadOnlyMemory<byte>(bytes));
            using var batch = reader.ReadNextRecordBatch() ?? throw new InvalidDataException("the file holds no record batch");
            if (!batch.Schema.FieldsList.Select(f => f.Name).SequenceEqual(columnNames))
            {
                throw new InvalidDataException(
                    $"columns are [{string.Join(", ", batch.Schema.FieldsList.Select(f => f.Name))}], expected [{string.Join(", ", columnNames)}]");
            }

            if (rowCount is { } expected && batch.Length != expected)
            {
                throw new InvalidDataException($"it holds {batch.Length} rows, expected {expected}");
            }

            return read(batch);
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException or ArgumentException or IOException)
        {
            throw new MilvusException(ErrorCode.SegmentLoadFailed, $"segment file '{key}' cannot be read: {e.Message}", e);
        }
    }
}
