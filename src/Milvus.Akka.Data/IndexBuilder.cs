using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Index;
using Milvus.Akka.Index.Scalar;
using Milvus.Akka.Storage;
using Milvus.Akka.Storage.Segments;

namespace Milvus.Akka.Data;

/// <summary>Builds the index file of one field of one flushed segment: a vector index, or a scalar one.</summary>
public static class IndexBuilder
{
    /// <summary>Reads the segment's column, builds the index and stores it; returns the file's object key.</summary>
    public static async Task<string> BuildAsync(IObjectStore objects, IndexBuildTask task, CancellationToken cancellationToken = default)
    {
        var segment = task.Segment;
        var field = task.Schema.FindField(task.Index.FieldId)
            ?? throw new MilvusException(ErrorCode.ParameterInvalid, $"field {task.Index.FieldId} is not in the schema");
        var manifest = await SegmentStore.ReadManifestAsync(objects, segment.CollectionId, segment.PartitionId, segment.SegmentId, cancellationToken);
        var data = await SegmentStore.ReadAsync(objects, task.Schema, manifest, [field.FieldId], cancellationToken);
        using var buffer = new MemoryStream();
        if (field.DataType.IsVector())
        {
            var buildParams = task.Index.Params.Remove(IndexInfo.IndexTypeKey).Remove(IndexInfo.MetricTypeKey);
            var spec = field.DataType == DataType.ArrayOfVector
                ? IndexSpec.ForElements(task.Index.IndexType, task.Index.MetricType, buildParams, field.ElementType)
                : IndexSpec.FromMilvus(task.Index.IndexType, task.Index.MetricType, buildParams, field.DataType);
            Build(spec, field, data.Rows[field.FieldId], seed: unchecked((int)segment.SegmentId)).Save(buffer);
        }
        else
        {
            BuildScalar(task.Schema, field, task.Index, data.Rows[field.FieldId]).Save(buffer);
        }

        var key = ObjectPaths.IndexFile(segment.CollectionId, segment.SegmentId, field.FieldId, task.BuildId, "index");
        await objects.PutAsync(key, buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken);
        return key;
    }

    /// <summary>
    /// The index of one vector column: binary and sparse rows as they are, packed float types converted to float32. A
    /// nullable field's index holds only the rows with a vector, in row order (the segment maps its entries back).
    /// </summary>
    public static IFieldIndex Build(IndexSpec spec, FieldSchema field, Column vectors, int seed) =>
        BuildOver(spec, field, vectors.WithoutNullRows(), seed);

    private static IFieldIndex BuildOver(IndexSpec spec, FieldSchema field, Column vectors, int seed) => vectors switch
    {
        VectorColumn<float> floats => VectorIndexes.Build(spec, field.Dim, floats.Values, seed),
        VectorColumn<byte> { Type: DataType.BinaryVector } binary => VectorIndexes.BuildBinary(spec, field.Dim, binary.Values, seed),
        VectorColumn<byte> packed => VectorIndexes.Build(spec, field.Dim, PackedVectors.ToSingle(packed.Type, packed.Values), seed),
        SparseVectorColumn sparse => VectorIndexes.BuildSparse(spec, sparse.Values),
        // The index of a struct's vectors holds their elements, row after row.
        VectorArrayColumn { ElementType: DataType.BinaryVector } lists => VectorIndexes.BuildBinary(spec, field.Dim, lists.AllElements(), seed),
        VectorArrayColumn { ElementType: DataType.FloatVector } lists =>
            VectorIndexes.Build(spec, field.Dim, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(lists.AllElements()).ToArray(), seed),
        VectorArrayColumn lists => VectorIndexes.Build(spec, field.Dim, PackedVectors.ToSingle(lists.ElementType, lists.AllElements()), seed),
        _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"field '{field.Name}' of type {field.DataType} cannot be indexed"),
    };

    /// <summary>The scalar index of one column; a JSON field's index covers the value at its <c>json_path</c>.</summary>
    public static ScalarIndex BuildScalar(CollectionSchema schema, FieldSchema field, IndexInfo index, Column column) =>
        ScalarIndexBuilder.Build(ScalarIndexTypes.Parse(index.IndexType), column, ScalarIndexTargets.JsonTarget(schema, field, index.Params));
}
