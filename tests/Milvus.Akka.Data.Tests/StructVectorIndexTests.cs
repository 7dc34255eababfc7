using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Index;
using Milvus.Akka.Segments;

namespace Milvus.Akka.Data.Tests;

/// <summary>
/// A struct's vectors indexed as a data node indexes them, one entry per struct element, row after row, for the packed
/// float types (converted) and binary vectors: attached to a segment, an element-level search finds what a scan finds.
/// </summary>
public sealed class StructVectorIndexTests
{
    private const long PkField = 100, StructField = 101, VectorsField = 102;

    [Theory]
    [InlineData(DataType.BFloat16Vector, "HNSW", "L2", 8)]
    [InlineData(DataType.Int8Vector, "HNSW", "IP", 8)]
    [InlineData(DataType.BinaryVector, "BIN_IVF_FLAT", "HAMMING", 32)]
    public void An_index_over_every_struct_element_answers_as_the_scan(DataType elementType, string indexType, string metric, int dim)
    {
        var random = new Random(3);
        var width = elementType.VectorRowBytes(dim);
        var lists = new VectorArrayColumn(elementType, dim, [.. Enumerable.Range(0, 200).Select(i =>
        {
            var bytes = new byte[(i % 4) * width];
            random.NextBytes(bytes);
            if (elementType == DataType.BFloat16Vector)
            {
                // Keep the numbers finite: clear each bfloat16's top exponent bit.
                for (var b = 1; b < bytes.Length; b += 2)
                {
                    bytes[b] &= 0xBF;
                }
            }

            return bytes;
        })]);
        var field = new FieldSchema
        {
            FieldId = VectorsField, Name = "s[v]", DataType = DataType.ArrayOfVector, ElementType = elementType, StructFieldId = StructField,
            TypeParams = ImmutableSortedDictionary.CreateRange([KeyValuePair.Create(FieldSchema.DimKey, $"{dim}")]),
        };
        var schema = new CollectionSchema
        {
            Name = "structs",
            Fields = [new FieldSchema { FieldId = PkField, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true }, field],
            StructFields = [new StructFieldSchema { FieldId = StructField, Name = "s" }],
        };
        var rows = new RowBatch(ImmutableDictionary<long, Column>.Empty
            .Add(PkField, new ScalarColumn<long>(DataType.Int64, [.. Enumerable.Range(0, 200).Select(i => (long)i)])).Add(VectorsField, lists));
        Segment Load() => Segment.Load(1, 10, schema, rows, Enumerable.Repeat(1UL, 200).ToArray());

        var spec = IndexSpec.FromMilvus(indexType, metric, new Dictionary<string, string> { ["nlist"] = "4", ["M"] = "16", ["efConstruction"] = "200" }, elementType);
        var index = IndexBuilder.Build(spec, field, lists, seed: 1);
        Assert.Equal(Enumerable.Range(0, 200).Sum(i => i % 4), index.Count);
        var indexed = Load();
        indexed.AttachIndex(VectorsField, index);

        var query = new byte[width];
        random.NextBytes(query);
        var plan = new SearchPlan(1, VectorsField, MetricTypes.Parse(metric), 10, 1,
            elementType == DataType.BinaryVector ? [] : PackedVectors.ToSingle(elementType, elementType == DataType.BFloat16Vector ? lists.Values[3][..width] : query),
            null, ImmutableDictionary<string, string>.Empty.Add("ef", "300").Add("nprobe", "4"), [], ulong.MaxValue,
            RawQueries: elementType == DataType.BinaryVector ? [query] : null);

        var scanned = Load().View().Search(plan, null);
        var found = indexed.View().Search(plan, null);

        Assert.Equal(10, found.Pks.Count);
        Assert.Equal(scanned.Scores, found.Scores);
        Assert.Equal(scanned.Fields![SearchPlan.ElementOffsetsFieldId].Count, found.Fields![SearchPlan.ElementOffsetsFieldId].Count);
    }
}
