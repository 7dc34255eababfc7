using System.Text.Json;
using Milvus.Akka.Common;

namespace Milvus.Akka.Expressions.Evaluation;

/// <summary>
/// State of one <see cref="FilterExpression.Evaluate"/> call: the batch, each column's validity as a bitset, and each
/// JSON column parsed once per row on first use (so several paths into one JSON field share one parse), and the
/// segment's scalar indexes, which answer the predicates they cover instead of a scan.
/// </summary>
internal sealed class EvaluationContext(RowBatch rows, IScalarIndexes? indexes = null) : IDisposable
{
    private static readonly JsonDocument EmptyObject = JsonDocument.Parse("{}");

    private readonly Dictionary<long, Bitset?> _validity = [];
    private readonly Dictionary<long, JsonElement[]> _jsonRoots = [];
    private readonly List<JsonDocument> _documents = [];

    public RowBatch Rows { get; } = rows;

    public IScalarIndexes? Indexes { get; } = indexes;

    public int RowCount => Rows.RowCount;

    public TColumn Column<TColumn>(FieldSchema field) where TColumn : Column
    {
        if (!Rows.Columns.TryGetValue(field.FieldId, out var column))
        {
            throw new MilvusException(ErrorCode.ServiceInternal, $"the filter reads field \"{field.Name}\" (id {field.FieldId}) but the batch has no such column");
        }

        return column as TColumn ?? throw new MilvusException(ErrorCode.ServiceInternal,
            $"field \"{field.Name}\" is a {column.GetType().Name} in the batch, expected {typeof(TColumn).Name}");
    }

    /// <summary>Rows where the field is not null; null when every row is valid.</summary>
    public Bitset? Validity(FieldSchema field)
    {
        if (!_validity.TryGetValue(field.FieldId, out var valid))
        {
            var flags = Column<Column>(field).Validity;
            valid = flags is null ? null : Bitset.FromBools(flags);
            _validity[field.FieldId] = valid;
        }

        return valid;
    }

    /// <summary>The parsed root of each row of a JSON field; default (Undefined) on null rows.</summary>
    public JsonElement[] JsonRoots(FieldSchema field)
    {
        if (_jsonRoots.TryGetValue(field.FieldId, out var roots))
        {
            return roots;
        }

        var column = Column<JsonColumn>(field);
        roots = new JsonElement[column.Count];
        for (var row = 0; row < roots.Length; row++)
        {
            if (column.IsNull(row))
            {
                continue;
            }

            if (column.Values[row].Length == 0)
            {
                // Rows written without any dynamic key may carry no bytes at all: they read as an empty object.
                roots[row] = EmptyObject.RootElement;
                continue;
            }

            try
            {
                var document = JsonDocument.Parse(column.Values[row], JsonLimits.DocumentOptions);
                _documents.Add(document);
                roots[row] = document.RootElement;
            }
            catch (JsonException e)
            {
                throw new MilvusException(ErrorCode.ServiceInternal, $"row {row} of JSON field \"{field.Name}\" is not valid JSON ({e.Message})", e);
            }
        }

        _jsonRoots[field.FieldId] = roots;
        return roots;
    }

    public void Dispose()
    {
        foreach (var document in _documents)
        {
            document.Dispose();
        }
    }
}
