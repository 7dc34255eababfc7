using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Text;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// Checks a schema's functions as Milvus does and completes them: function ids from 100, and every output field marked
/// <c>is_function_output</c> (SDKs may leave the flag to the server). Only BM25 runs here: one analyzed VarChar field
/// in, one SparseFloatVector field out, each output written by exactly one function.
/// </summary>
public static class FunctionValidator
{
    public const long FirstFunctionId = 100;

    public static CollectionSchema Complete(CollectionSchema schema)
    {
        var functions = schema.Functions;
        var duplicate = functions.GroupBy(f => f.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw Illegal($"duplicate function name: {duplicate.Key}");
        }

        var outputs = new HashSet<string>(StringComparer.Ordinal);
        var completed = ImmutableArray.CreateBuilder<FunctionSchema>(functions.Length);
        for (var i = 0; i < functions.Length; i++)
        {
            var function = functions[i];
            SchemaValidator.CheckName(function.Name, "function");
            if (function.Type != FunctionType.Bm25)
            {
                throw new MilvusException(ErrorCode.OperationNotSupported,
                    $"function {function.Name}: function type {function.Type} is not supported by Milvus.Akka (supported: BM25)");
            }

            CheckBm25(schema, function);
            if (!outputs.Add(function.OutputFieldNames[0]))
            {
                throw Illegal($"function {function.Name}: field {function.OutputFieldNames[0]} is already the output of another function");
            }

            completed.Add(function with { Id = FirstFunctionId + i });
        }

        var unclaimed = schema.Fields.FirstOrDefault(f => f.IsFunctionOutput && !outputs.Contains(f.Name));
        if (unclaimed is not null)
        {
            throw Illegal($"field {unclaimed.Name} is marked as a function output, but no function outputs it");
        }

        return schema with
        {
            Functions = completed.ToImmutable(),
            Fields = [.. schema.Fields.Select(f => outputs.Contains(f.Name) ? f with { IsFunctionOutput = true } : f)],
        };
    }

    /// <summary>The metric of an index created without one: BM25 on a BM25 output field, else Milvus's default for the type.</summary>
    public static string DefaultMetric(FieldSchema field) =>
        field.IsFunctionOutput ? MetricType.Bm25.ToMilvusName() : Index.IndexSpec.DefaultMetric(field.DataType);

    /// <summary>BM25 scores only what a BM25 function wrote, and a BM25 output means nothing under another metric.</summary>
    public static void CheckIndexMetric(FieldSchema field, MetricType metric)
    {
        if (field.IsFunctionOutput && metric != MetricType.Bm25)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"field {field.Name} is the output of a BM25 function: its index needs metric type BM25, not {metric.ToMilvusName()}");
        }

        if (!field.IsFunctionOutput && metric == MetricType.Bm25)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"metric type BM25 applies only to the output field of a BM25 function, and field {field.Name} is not one");
        }
    }

    private static void CheckBm25(CollectionSchema schema, FunctionSchema function)
    {
        if (function.InputFieldNames.Length != 1 || function.OutputFieldNames.Length != 1)
        {
            throw Illegal($"BM25 function {function.Name} needs exactly one input field and one output field, " +
                $"got {function.InputFieldNames.Length} input and {function.OutputFieldNames.Length} output fields");
        }

        var input = schema.FindField(function.InputFieldNames[0])
            ?? throw Illegal($"function {function.Name}: input field {function.InputFieldNames[0]} not found in the schema");
        if (input.DataType != DataType.VarChar)
        {
            throw Illegal($"BM25 function {function.Name}: input field {input.Name} must be VARCHAR, not {input.DataType}");
        }

        if (!AnalyzerParams.IsOn(input, AnalyzerParams.EnableAnalyzerKey))
        {
            throw Illegal($"BM25 function {function.Name}: input field {input.Name} must set enable_analyzer to true");
        }

        var output = schema.FindField(function.OutputFieldNames[0])
            ?? throw Illegal($"function {function.Name}: output field {function.OutputFieldNames[0]} not found in the schema");
        if (output.DataType != DataType.SparseFloatVector)
        {
            throw Illegal($"BM25 function {function.Name}: output field {output.Name} must be SparseFloatVector, not {output.DataType}");
        }

        if (output.IsPrimaryKey || output.IsPartitionKey || output.IsClusteringKey || output.Nullable || output.Name == input.Name)
        {
            throw Illegal($"BM25 function {function.Name}: output field {output.Name} cannot be the input, a primary, partition or clustering key, or nullable");
        }
    }

    private static MilvusException Illegal(string message) => new(ErrorCode.CollectionIllegalSchema, message);
}
