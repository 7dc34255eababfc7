using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Expressions;

namespace Milvus.Akka.Segments.Tests;

/// <summary>
/// A segment taking a schema with added fields (AddCollectionField): rows appended before read each added field's
/// default or null, also through a batch merged before the change, rows appended after keep their values, and a
/// partially loaded segment gains only the added fields.
/// </summary>
public sealed class SegmentWidenTests
{
    private const long PkField = ConcurrentViewTests.PkField, VectorField = ConcurrentViewTests.VectorField, TagField = ConcurrentViewTests.TagField;
    private const long RankField = TagField + 1, NoteField = TagField + 2;

    private static readonly CollectionSchema Widened = ConcurrentViewTests.Schema with
    {
        Fields = ConcurrentViewTests.Schema.Fields.AddRange(
            new FieldSchema { FieldId = RankField, Name = "rank", DataType = DataType.Int64, Nullable = true, DefaultValue = 7L },
            new FieldSchema
            {
                FieldId = NoteField, Name = "note", DataType = DataType.VarChar, Nullable = true,
                TypeParams = ImmutableSortedDictionary.CreateRange([KeyValuePair.Create(FieldSchema.MaxLengthKey, "8")]),
            }),
        Version = 2,
    };

    private static RowBatch Rows(long first, int count, bool withAddedFields)
    {
        var pks = Enumerable.Range(0, count).Select(i => first + i).ToArray();
        var columns = ImmutableDictionary<long, Column>.Empty
            .Add(PkField, new ScalarColumn<long>(DataType.Int64, pks))
            .Add(VectorField, new VectorColumn<float>(DataType.FloatVector, ConcurrentViewTests.Dim, [.. pks.SelectMany(pk => new float[] { pk, 0, 0, 1 })]))
            .Add(TagField, new ScalarColumn<int>(DataType.Int32, [.. pks.Select(pk => (int)pk % 3)]));
        return new RowBatch(withAddedFields
            ? columns.Add(RankField, new ScalarColumn<long>(DataType.Int64, [.. pks.Select(pk => pk * 10)]))
                .Add(NoteField, new StringColumn([.. pks.Select(pk => $"n{pk}")], [.. pks.Select(_ => true)]))
            : columns);
    }

    private static List<(long Pk, long Rank, string? Note)> ReadAll(Segment segment, string? filter = null)
    {
        var rows = segment.View().Query(new QueryPlan(1, null, [PkField, RankField, NoteField], [], ulong.MaxValue, null, CountOnly: false),
            filter is null ? null : FilterExpression.Parse(filter, segment.Schema));
        var pks = ((ScalarColumn<long>)rows.Pks).Values;
        var ranks = (ScalarColumn<long>)rows.Fields[RankField];
        var notes = (StringColumn)rows.Fields[NoteField];
        return [.. pks.Select((pk, i) => (pk, ranks.Values[i], notes.Validity is { } valid && !valid[i] ? null : notes.Values[i])).OrderBy(r => r.pk)];
    }

    [Fact]
    public void Rows_before_read_the_default_or_null_and_rows_after_keep_their_values()
    {
        var segment = new Segment(1, 10, ConcurrentViewTests.Schema);
        segment.Append(Rows(0, 3, withAddedFields: false), 1);
        segment.Append(Rows(3, 2, withAddedFields: false), 2);
        // A reader merges the chunks before the change: that merge lacks the added fields and must not be reused.
        Assert.Equal(5, segment.View().Rows.RowCount);

        segment.Widen(Widened);
        segment.Append(Rows(5, 2, withAddedFields: true), 3);
        segment.Append(Rows(7, 1, withAddedFields: false), 4);

        List<(long, long, string?)> expected = [(0, 7, null), (1, 7, null), (2, 7, null), (3, 7, null), (4, 7, null), (5, 50, "n5"), (6, 60, "n6"), (7, 7, null)];
        Assert.Equal(expected, ReadAll(segment));
        Assert.Equal(expected.Where(r => r.Item2 == 7), ReadAll(segment, "rank == 7"));
        Assert.Equal(expected.Where(r => r.Item3 is not null), ReadAll(segment, "note is not null"));
        Assert.Equal(2, segment.Schema.Version);
    }

    [Fact]
    public void An_older_schema_changes_nothing_and_a_partial_load_gains_only_the_added_fields()
    {
        var partial = ConcurrentViewTests.Schema.WithOnlyFields([PkField, VectorField]);
        var segment = new Segment(1, 10, partial);
        segment.Append(new RowBatch(Rows(0, 2, withAddedFields: false).Columns.Remove(TagField)), 1);

        segment.Widen(Widened);
        segment.Widen(ConcurrentViewTests.Schema with { Version = 1 });

        Assert.Equal([PkField, VectorField, RankField, NoteField], segment.Schema.Fields.Select(f => f.FieldId));
        Assert.Equal(2, segment.Schema.Version);
        Assert.Equal([(0L, 7L, (string?)null), (1L, 7L, null)], ReadAll(segment));
    }
}
