using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Index;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// Indexes of a struct's vector sub-field (<see cref="DataType.ArrayOfVector"/>). A MAX_SIM metric makes the field
/// searched by embedding lists, any other metric element by element, as in Milvus. The index type and its parameters
/// are checked as those of an index over the elements' vectors under the element metric, which is what data nodes
/// build for each flushed segment (FLAT and BIN_FLAT excepted: those search the rows exactly).
/// </summary>
public static class StructVectorIndexRules
{
    public static ImmutableSortedDictionary<string, string> Complete(FieldSchema field, ImmutableSortedDictionary<string, string> parameters)
    {
        var type = parameters.GetValueOrDefault(IndexInfo.IndexTypeKey, IndexTypes.AutoIndexName);
        var metricName = parameters.GetValueOrDefault(IndexInfo.MetricTypeKey,
            field.ElementType == DataType.BinaryVector ? "MAX_SIM_HAMMING" : "MAX_SIM_COSINE");
        var metric = MetricTypes.Parse(metricName);
        if (metric == MetricType.Bm25)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"metric type BM25 does not apply to the vectors of struct field {field.Name}");
        }

        var buildParams = parameters.Remove(IndexInfo.IndexTypeKey).Remove(IndexInfo.MetricTypeKey);
        var spec = IndexSpec.ForElements(type, metricName, buildParams, field.ElementType);
        spec.Validate(field.Dim);
        return parameters.SetItem(IndexInfo.IndexTypeKey, type.ToUpperInvariant()).SetItem(IndexInfo.MetricTypeKey, metricName.ToUpperInvariant());
    }
}
