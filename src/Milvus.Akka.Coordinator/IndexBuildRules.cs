using Milvus.Akka.Common;
using Milvus.Akka.Index;

namespace Milvus.Akka.Coordinator;

/// <summary>Which declared indexes data nodes build for each flushed segment.</summary>
public static class IndexBuildRules
{
    /// <summary>
    /// Every scalar index but RTREE (spatial filters scan the rows), and every vector index but the exact ones (FLAT and
    /// BIN_FLAT search the rows themselves); a struct's vectors are indexed element by element.
    /// </summary>
    public static bool NeedsBuild(CollectionSchema schema, IndexInfo index) => schema.FindField(index.FieldId) switch
    {
        null => false,
        { DataType: var type } when type.IsVector() =>
            IndexTypes.TryParse(index.IndexType, out var vectorType) && vectorType is not (IndexType.Flat or IndexType.BinFlat),
        _ => index.IndexType != ScalarIndexRules.RTree,
    };
}
