using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Index;
using Milvus.Akka.Storage;
using Milvus.Akka.Storage.Segments;

namespace Milvus.Akka.Data;

/// <summary>Builds the vector index file of one flushed segment.</summary>
public static class IndexBuilder
{
    /// <summary>Reads the segment's vector column, builds the index and stores it; returns the file's object key.</summary>
    public static async Task<string> BuildAsync(IObjectStore objects, IndexBuildTask task, CancellationToken cancellationToken = default)
    {
        var segment = task.Segment;
        var field = task.Schema.FindField(task.Index.FieldId)
            ?? throw new MilvusException(ErrorCode.ParameterInvalid, $"field {task.Index.FieldId} is not in the schema");
        var manifest = await SegmentStore.ReadManifestAsync(objects, segment.CollectionId, segment.PartitionId, segment.SegmentId, cancellationToken);
        var data = await SegmentStore.ReadAsync(objects, task.Schema, manifest, [field.FieldId], cancellationToken);
        var spec = IndexSpec.FromMilvus(task.Index.IndexType, task.Index.MetricType,
            task.Index.Params.Remove(IndexInfo.IndexTypeKey).Remove(IndexInfo.MetricTypeKey));
        var vectors = (VectorColumn<float>)data.Rows[field.FieldId];
        var index = VectorIndexes.Build(spec, field.Dim, vectors.Values, seed: unchecked((int)segment.SegmentId));
        using var buffer = new MemoryStream();
        index.Save(buffer);
        var key = ObjectPaths.IndexFile(segment.CollectionId, segment.SegmentId, field.FieldId, task.BuildId, "index");
        await objects.PutAsync(key, buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken);
        return key;
    }
}
