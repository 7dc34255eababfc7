using Milvus.Akka.Common;
using Milvus.Akka.Expressions;
using Milvus.Akka.Index.Scalar;

namespace Milvus.Akka.Coordinator;

/// <summary>What a scalar index on a field covers, read from its parameters: checked at CreateIndex, used by builds.</summary>
public static class ScalarIndexTargets
{
    /// <summary>
    /// For a JSON field, the path its index covers (<c>json_path</c>, inside this field) and the cast (<c>json_cast_type</c>);
    /// null for other fields. Throws ParameterInvalid when either is missing or wrong.
    /// </summary>
    public static JsonIndexTarget? JsonTarget(CollectionSchema schema, FieldSchema field, IReadOnlyDictionary<string, string> parameters)
    {
        if (field.DataType != DataType.Json)
        {
            return null;
        }

        var text = parameters.GetValueOrDefault(IndexInfo.JsonPathKey)
            ?? throw new MilvusException(ErrorCode.ParameterInvalid, $"an index on JSON field '{field.Name}' needs json_path, e.g. {field.Name}[\"key\"]");
        var (pathField, path) = FilterExpression.ParseJsonPath(text, schema);
        if (pathField.FieldId != field.FieldId)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"json_path {text} is not inside field '{field.Name}'");
        }

        return new JsonIndexTarget(path, JsonIndexTarget.ParseCast(parameters.GetValueOrDefault(IndexInfo.JsonCastTypeKey, "")));
    }
}
