using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Text;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// Checks a schema's functions as Milvus does and completes them: function ids from 100, and every output field marked
/// <c>is_function_output</c> (SDKs may leave the flag to the server). BM25 takes one analyzed VarChar field into one
/// SparseFloatVector field; a text embedding one VarChar field into one FloatVector or Int8Vector field (its provider
/// and params are checked by the proxy, which calls the provider); MinHash one VarChar field into one BinaryVector field
/// of 32 bits per hash; each output is written by exactly one function.
/// </summary>
public static class FunctionValidator
{
    public const long FirstFunctionId = 100;

    /// <summary>The functions of a new collection checked, numbered from <see cref="FirstFunctionId"/> whatever ids were sent.</summary>
    public static CollectionSchema Complete(CollectionSchema schema) => Checked(schema with { Functions = [.. schema.Functions.Select(f => f with { Id = 0 })] });

    /// <summary>The functions checked; ids already given stay, new functions (id 0) take the next ones.</summary>
    private static CollectionSchema Checked(CollectionSchema schema)
    {
        var functions = schema.Functions;
        var duplicate = functions.GroupBy(f => f.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw Illegal($"duplicate function name: {duplicate.Key}");
        }

        var outputs = new HashSet<string>(StringComparer.Ordinal);
        var nextId = Math.Max(FirstFunctionId, functions.Select(f => f.Id + 1).DefaultIfEmpty(0).Max());
        var completed = ImmutableArray.CreateBuilder<FunctionSchema>(functions.Length);
        foreach (var function in functions)
        {
            SchemaValidator.CheckName(function.Name, "function");
            switch (function.Type)
            {
                case FunctionType.Bm25:
                    CheckBm25(schema, function);
                    break;
                case FunctionType.TextEmbedding:
                    CheckTextEmbedding(schema, function);
                    break;
                case FunctionType.MinHash:
                    CheckMinHash(schema, function);
                    break;
                default:
                    throw new MilvusException(ErrorCode.OperationNotSupported,
                        $"function {function.Name}: function type {function.Type} is not supported by Milvus.Akka (supported: BM25, TextEmbedding, MinHash)");
            }

            if (!outputs.Add(function.OutputFieldNames[0]))
            {
                throw Illegal($"function {function.Name}: field {function.OutputFieldNames[0]} is already the output of another function");
            }

            completed.Add(function.Id >= FirstFunctionId ? function : function with { Id = nextId++ });
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

    /// <summary>
    /// Milvus's AddCollectionFunction: a text embedding function over existing fields (rows written before keep the
    /// vectors they were sent with; later writes have them computed). A BM25 function cannot be added: rows already
    /// written would have no BM25 output.
    /// </summary>
    public static CollectionSchema Add(CollectionSchema schema, FunctionSchema function)
    {
        CheckAddable(function);
        if (schema.Functions.Any(f => f.Name == function.Name))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"function {function.Name} already exists in collection {schema.Name}");
        }

        if (function.OutputFieldNames.Length == 1 && schema.FindField(function.OutputFieldNames[0]) is { IsFunctionOutput: true } taken)
        {
            throw Illegal($"function {function.Name}: field {taken.Name} is already the output of another function");
        }

        return Checked(schema with { Functions = schema.Functions.Add(function with { Id = 0 }) });
    }

    /// <summary>Milvus's AlterCollectionFunction: the text embedding function <paramref name="name"/> replaced, keeping its id.</summary>
    public static CollectionSchema Alter(CollectionSchema schema, string name, FunctionSchema function)
    {
        var existing = Find(schema, name);
        CheckAddable(existing);
        CheckAddable(function);
        if (function.Name != name)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"function name {function.Name} does not match function_name {name}: a function keeps its name");
        }

        return Checked(Without(schema, existing) with { Functions = schema.Functions.Replace(existing, function with { Id = existing.Id }) });
    }

    /// <summary>Milvus's DropCollectionFunction: its output field becomes an ordinary field that writes must fill.</summary>
    public static CollectionSchema Drop(CollectionSchema schema, string name)
    {
        var existing = Find(schema, name);
        CheckAddable(existing);
        return Without(schema, existing) with { Functions = schema.Functions.Remove(existing) };
    }

    /// <summary>BM25 scores only what a BM25 function wrote, and a BM25 output means nothing under another metric.</summary>
    public static void CheckIndexMetric(FieldSchema field, MetricType metric)
    {
        if (field.IsBm25Output && metric != MetricType.Bm25)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"field {field.Name} is the output of a BM25 function: its index needs metric type BM25, not {metric.ToMilvusName()}");
        }

        if (!field.IsBm25Output && metric == MetricType.Bm25)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"metric type BM25 applies only to the output field of a BM25 function, and field {field.Name} is not one");
        }
    }

    private static void CheckBm25(CollectionSchema schema, FunctionSchema function)
    {
        var (input, output) = InputAndOutput(schema, function, "BM25");
        if (input.DataType != DataType.VarChar)
        {
            throw Illegal($"BM25 function {function.Name}: input field {input.Name} must be VARCHAR, not {input.DataType}");
        }

        if (!AnalyzerParams.IsOn(input, AnalyzerParams.EnableAnalyzerKey))
        {
            throw Illegal($"BM25 function {function.Name}: input field {input.Name} must set enable_analyzer to true");
        }

        if (output.DataType != DataType.SparseFloatVector)
        {
            throw Illegal($"BM25 function {function.Name}: output field {output.Name} must be SparseFloatVector, not {output.DataType}");
        }

        CheckOutput(function, input, output, "BM25");
    }

    private static (FieldSchema Input, FieldSchema Output) InputAndOutput(CollectionSchema schema, FunctionSchema function, string kind)
    {
        if (function.InputFieldNames.Length != 1 || function.OutputFieldNames.Length != 1)
        {
            throw Illegal($"{kind} function {function.Name} needs exactly one input field and one output field, " +
                $"got {function.InputFieldNames.Length} input and {function.OutputFieldNames.Length} output fields");
        }

        var input = schema.FindField(function.InputFieldNames[0])
            ?? throw Illegal($"function {function.Name}: input field {function.InputFieldNames[0]} not found in the schema");
        var output = schema.FindField(function.OutputFieldNames[0])
            ?? throw Illegal($"function {function.Name}: output field {function.OutputFieldNames[0]} not found in the schema");
        return (input, output);
    }

    private static void CheckOutput(FunctionSchema function, FieldSchema input, FieldSchema output, string kind)
    {
        if (output.IsPrimaryKey || output.IsPartitionKey || output.IsClusteringKey || output.Nullable || output.Name == input.Name)
        {
            throw Illegal($"{kind} function {function.Name}: output field {output.Name} cannot be the input, a primary, partition or clustering key, or nullable");
        }
    }

    private static void CheckMinHash(CollectionSchema schema, FunctionSchema function)
    {
        var (input, output) = InputAndOutput(schema, function, "minhash");
        if (input.DataType != DataType.VarChar)
        {
            throw Illegal($"minhash function input field '{input.Name}' is not string type, is {input.DataType}");
        }

        if (output.DataType != DataType.BinaryVector)
        {
            throw Illegal($"minhash function output field '{output.Name}' is not binary vector type");
        }

        CheckOutput(function, input, output, "minhash");
        MinHashSignature.Bind(function, input, output);
    }

    private static void CheckTextEmbedding(CollectionSchema schema, FunctionSchema function)
    {
        var (input, output) = InputAndOutput(schema, function, "text embedding");
        if (input.DataType != DataType.VarChar)
        {
            throw Illegal($"text embedding function {function.Name}: input field {input.Name} must be VARCHAR, not {input.DataType}");
        }

        if (output.DataType is not (DataType.FloatVector or DataType.Int8Vector))
        {
            throw Illegal($"text embedding function {function.Name}: output field {output.Name} must be FloatVector or Int8Vector, not {output.DataType}");
        }

        CheckOutput(function, input, output, "text embedding");
    }

    /// <summary>Only text embedding functions change after create: BM25 outputs are indexed and scored as BM25 from the start.</summary>
    private static void CheckAddable(FunctionSchema function)
    {
        if (function.Type != FunctionType.TextEmbedding)
        {
            throw new MilvusException(ErrorCode.OperationNotSupported,
                $"function {function.Name}: only text embedding functions are added, altered or dropped after create, not {function.Type}");
        }
    }

    private static FunctionSchema Find(CollectionSchema schema, string name) =>
        schema.Functions.FirstOrDefault(f => f.Name == name)
        ?? throw new MilvusException(ErrorCode.ParameterInvalid, $"function {name} not found in collection {schema.Name}");

    /// <summary>The schema with <paramref name="function"/>'s output no longer marked as a function output.</summary>
    private static CollectionSchema Without(CollectionSchema schema, FunctionSchema function) => schema with
    {
        Fields = [.. schema.Fields.Select(f => function.OutputFieldNames.Contains(f.Name) ? f with { IsFunctionOutput = false } : f)],
    };

    private static MilvusException Illegal(string message) => new(ErrorCode.CollectionIllegalSchema, message);
}
