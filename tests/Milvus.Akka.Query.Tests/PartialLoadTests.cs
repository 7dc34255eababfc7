using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Storage;
using Milvus.Akka.Storage.Segments;
using static Milvus.Akka.TestSupport.QueryFixtures;

namespace Milvus.Akka.Query.Tests;

/// <summary>A partial load reads and holds only the loaded fields of a flushed segment; the others stay in object storage.</summary>
public sealed class PartialLoadTests : IDisposable
{
    private const long TitleFieldId = 102;

    private static readonly CollectionSchema Wide = Schema with
    {
        Fields = [.. Schema.Fields, new FieldSchema { FieldId = TitleFieldId, Name = "title", DataType = DataType.VarChar }],
    };

    private readonly string _objectsDir = Directory.CreateTempSubdirectory("partial-load").FullName;

    public void Dispose() => Directory.Delete(_objectsDir, recursive: true);

    [Fact]
    public async Task A_segment_loaded_with_some_fields_holds_only_those_and_answers_reads_of_them()
    {
        var objects = new LocalObjectStore(_objectsDir);
        var titles = Enumerable.Range(0, 3).Select(i => new string('t', 1000 + i)).ToArray();
        var rows = new RowBatch(ImmutableDictionary<long, Column>.Empty
            .Add(100, Pks(1, 2, 3))
            .Add(VectorFieldId, new VectorColumn<float>(DataType.FloatVector, Dim, [0, 0, 1, 1, 2, 2]))
            .Add(TitleFieldId, new StringColumn(titles)));
        await SegmentStore.WriteAsync(objects, Wide, CollectionId, PartitionId, 11, new SegmentData(rows, [1, 2, 3]));

        var whole = await StoredSegmentLoader.LoadAsync(objects, Wide, Segment(11), withVectorIndexes: true);
        var partial = await StoredSegmentLoader.LoadAsync(objects, Wide.WithOnlyFields([100, VectorFieldId]), Segment(11), withVectorIndexes: true);

        Assert.Equal([100, VectorFieldId, TitleFieldId], whole.View().Rows.Columns.Keys.Order());
        Assert.Equal([100, VectorFieldId], partial.View().Rows.Columns.Keys.Order());
        Assert.Equal(["id", "v"], partial.Schema.Fields.Select(f => f.Name));
        Assert.True(partial.EstimatedBytes < whole.EstimatedBytes - 2_000,
            $"the partial load holds {partial.EstimatedBytes} bytes, the whole one {whole.EstimatedBytes}: the titles should be left out");
        Assert.Equal(3, partial.RowCount);
        Assert.Equal(new long[] { 1, 2, 3 }, ((ScalarColumn<long>)partial.View().Rows[100]).Values);
    }
}
