using System.Collections.Immutable;

namespace Milvus.Akka.Common;

/// <summary>The kinds of collection function (Milvus's schema.FunctionType); BM25, text embedding and MinHash run here.</summary>
public enum FunctionType
{
    Unknown = 0,
    Bm25 = 1,
    TextEmbedding = 2,
    Rerank = 3,
    MinHash = 4,
}

/// <summary>
/// A collection function: computes <see cref="OutputFieldNames"/> from <see cref="InputFieldNames"/> when rows are
/// written (and, for search, query texts into query vectors). <see cref="Params"/> are kept as sent and echoed. Field
/// names identify the fields (ids follow from them).
/// </summary>
public sealed record FunctionSchema
{
    public required string Name { get; init; }
    public long Id { get; init; }
    public string Description { get; init; } = "";
    public required FunctionType Type { get; init; }
    public required ImmutableArray<string> InputFieldNames { get; init; }
    public required ImmutableArray<string> OutputFieldNames { get; init; }
    public ImmutableSortedDictionary<string, string> Params { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    public bool Equals(FunctionSchema? other) => other is not null && Name == other.Name && Id == other.Id
        && Description == other.Description && Type == other.Type && InputFieldNames.SequenceEqual(other.InputFieldNames)
        && OutputFieldNames.SequenceEqual(other.OutputFieldNames) && Params.SequenceEqual(other.Params);

    public override int GetHashCode() => HashCode.Combine(Name, Type);
}

public static class FunctionSchemas
{
    /// <summary>The BM25 function writing <paramref name="output"/>, if any: its input is the analyzed VarChar field.</summary>
    public static FunctionSchema? Bm25Writing(this CollectionSchema schema, FieldSchema output) =>
        schema.Functions.FirstOrDefault(f => f.Type == FunctionType.Bm25 && f.OutputFieldNames.Contains(output.Name));

    /// <summary>The text embedding function writing <paramref name="output"/>, if any: its input is a VarChar field.</summary>
    public static FunctionSchema? TextEmbeddingWriting(this CollectionSchema schema, FieldSchema output) =>
        schema.Functions.FirstOrDefault(f => f.Type == FunctionType.TextEmbedding && f.OutputFieldNames.Contains(output.Name));

    /// <summary>The MinHash function writing <paramref name="output"/>, if any: its input is a VarChar field.</summary>
    public static FunctionSchema? MinHashWriting(this CollectionSchema schema, FieldSchema output) =>
        schema.Functions.FirstOrDefault(f => f.Type == FunctionType.MinHash && f.OutputFieldNames.Contains(output.Name));

    /// <summary>The VarChar field a BM25 output field is computed from.</summary>
    public static FieldSchema Bm25Input(this CollectionSchema schema, FieldSchema output) =>
        schema.Bm25Writing(output) is { } function && schema.FindField(function.InputFieldNames[0]) is { } input
            ? input
            : throw new MilvusException(ErrorCode.ParameterInvalid, $"field '{output.Name}' is not the output of a BM25 function");
}
