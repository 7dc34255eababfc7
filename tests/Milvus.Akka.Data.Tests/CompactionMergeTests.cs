using System.Collections.Immutable;
using FsCheck.Xunit;
using Milvus.Akka.Common;
using Milvus.Akka.Segments;
using Milvus.Akka.Storage.Segments;
using static Milvus.Akka.TestSupport.QueryFixtures;
using TestCollections = Milvus.Akka.TestSupport.TestCollections;

namespace Milvus.Akka.Data.Tests;

/// <summary>What a compaction keeps, as a pure function: checked against a row-by-row oracle, no ActorSystem, no storage.</summary>
public sealed class CompactionMergeTests
{
    /// <summary>A row of an input: its key, its write timestamp and a value that tells it apart (its vector).</summary>
    private readonly record struct Row(long Pk, ulong Timestamp, float Value);

    private static MergeInput Input(long segmentId, IReadOnlyList<Row> rows, params (long Pk, ulong At)[] deletes) => new(segmentId, PartitionId,
        new SegmentData(
            new RowBatch(ImmutableDictionary<long, Column>.Empty
                .Add(TestCollections.PrimaryKeyFieldId, new ScalarColumn<long>(DataType.Int64, [.. rows.Select(r => r.Pk)]))
                .Add(VectorFieldId, new VectorColumn<float>(DataType.FloatVector, Dim, [.. rows.SelectMany(r => new[] { r.Value, -r.Value })]))),
            [.. rows.Select(r => r.Timestamp)]),
        deletes.Length == 0 ? [] : [(Pks([.. deletes.Select(d => d.Pk)]), [.. deletes.Select(d => d.At)])]);

    private static List<Row> Rows(SegmentData data)
    {
        var pks = (ScalarColumn<long>)data.Rows[TestCollections.PrimaryKeyFieldId];
        var vectors = (VectorColumn<float>)data.Rows[VectorFieldId];
        return [.. Enumerable.Range(0, data.Timestamps.Length).Select(i => new Row(pks.Values[i], data.Timestamps[i], vectors.Values[i * Dim]))];
    }

    [Fact]
    public void A_row_survives_unless_a_later_delete_of_its_key_or_the_expiry_reached_it()
    {
        var first = Input(1, [new(1, 10, 0.5f), new(2, 10, 1.5f), new(3, 30, 2.5f)], (1, 20), (3, 20));
        var second = Input(2, [new(4, 5, 3.5f), new(5, 40, 4.5f)]);

        var merged = CompactionMerge.Merge(Schema, [first, second], expiredBefore: 8);

        // 1: deleted after it was written; 3: the delete came before this version; 4: written before the expiry.
        Assert.NotNull(merged);
        Assert.Equal([new Row(2, 10, 1.5f), new Row(3, 30, 2.5f), new Row(5, 40, 4.5f)], Rows(merged));
    }

    [Fact]
    public void Nothing_is_written_when_no_row_survives() =>
        Assert.Null(CompactionMerge.Merge(Schema, [Input(1, [new(1, 10, 0.5f)], (1, 11)), Input(2, [new(2, 3, 1f)])], expiredBefore: 5));

    /// <summary>
    /// Any rows (keys 0-7, several versions per key, across two inputs), any deletes and any expiry: the survivors are
    /// exactly the rows at or after the expiry with no delete of their key after them, in input order, unchanged.
    /// </summary>
    [Property(MaxTest = 300)]
    public bool Survivors_are_the_rows_no_later_delete_and_no_expiry_reached(byte[] writes, byte[] deletes, byte expiry)
    {
        var rows = writes.Select((w, i) => new Row(w % 8, (ulong)(1 + w / 8 % 16), i)).ToList();
        var deleted = deletes.Select(d => (Pk: (long)(d % 8), At: (ulong)(1 + d / 8 % 20))).ToArray();
        var expiredBefore = (ulong)(expiry % 12);
        var half = rows.Count / 2;
        var merged = CompactionMerge.Merge(Schema, [Input(1, rows[..half], deleted), Input(2, rows[half..], deleted)], expiredBefore);

        var expected = rows.Where(r => r.Timestamp >= expiredBefore && !deleted.Any(d => d.Pk == r.Pk && d.At > r.Timestamp)).ToList();
        return merged is null ? expected.Count == 0 : Rows(merged).SequenceEqual(expected);
    }
}
