using System.Collections.Immutable;
using Milvus.Akka.Common;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// Which scalar index types Milvus accepts on which field types, checked at CreateIndex so a request Milvus refuses
/// is refused here too. Data nodes build them on flushed segments; the filter evaluator answers the same with or
/// without them (without, it scans the column).
/// </summary>
public static class ScalarIndexRules
{
    public const string Inverted = "INVERTED";
    public const string Bitmap = "BITMAP";
    public const string StlSort = "STL_SORT";
    public const string Trie = "Trie";

    /// <summary>
    /// Milvus's spatial index on a Geometry field. It is recorded and reported like any index, but not built: spatial
    /// filters scan the rows (bounding boxes first), which answers the same; see <see cref="IndexBuildRules"/>.
    /// </summary>
    public const string RTree = "RTREE";

    /// <summary>The index type to record (AUTOINDEX and an empty type resolve to INVERTED, as in Milvus); throws when the field cannot take it.</summary>
    public static string Resolve(CollectionSchema schema, FieldSchema field, string? requested, IReadOnlyDictionary<string, string> parameters)
    {
        if (field.DataType == DataType.Geometry)
        {
            // A Geometry field takes RTREE only; AUTOINDEX resolves to it.
            return requested?.Trim().ToUpperInvariant() is null or "" or "AUTOINDEX" or RTree
                ? RTree
                : throw new MilvusException(ErrorCode.ParameterInvalid, $"{requested} index is not supported on field '{field.Name}' of type Geometry, use RTREE");
        }

        var type = requested?.Trim().ToUpperInvariant() switch
        {
            null or "" or "AUTOINDEX" or Inverted => Inverted,
            Bitmap => Bitmap,
            StlSort => StlSort,
            "TRIE" => Trie,
            RTree => throw new MilvusException(ErrorCode.ParameterInvalid, $"RTREE index is only supported on Geometry fields, not on field '{field.Name}' of type {field.DataType}"),
            _ => throw new MilvusException(ErrorCode.IndexNotSupported, $"invalid index type: {requested}"),
        };

        var subject = field.DataType == DataType.Array ? field.ElementType : field.DataType;
        var allowed = type switch
        {
            Inverted => true,
            Bitmap => !field.IsPrimaryKey && (subject is DataType.Bool or DataType.VarChar || subject.IsInteger()),
            StlSort => field.DataType != DataType.Array && (subject.IsInteger() || subject is DataType.Float or DataType.Double or DataType.Timestamptz),
            _ => field.DataType == DataType.VarChar,
        };
        if (!allowed)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"{type} index is not supported on field '{field.Name}' of type {(field.DataType == DataType.Array ? $"Array of {field.ElementType}" : field.DataType)}");
        }

        if (field.DataType == DataType.Json && type != Inverted)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"a JSON field index must be INVERTED, got {type}");
        }

        // A JSON field's json_path and json_cast_type are checked as the data node will read them.
        ScalarIndexTargets.JsonTarget(schema, field, parameters);

        return type;
    }
}
