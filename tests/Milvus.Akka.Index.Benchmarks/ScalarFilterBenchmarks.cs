using System.Collections.Immutable;
using System.Text;
using BenchmarkDotNet.Attributes;
using Milvus.Akka.Common;
using Milvus.Akka.Expressions;
using Milvus.Akka.Index.Scalar;

namespace Milvus.Akka.Index.Benchmarks;

/// <summary>
/// One segment's filter (200,000 rows) evaluated by scanning the columns and by probing each scalar index type: what
/// the filter evaluator does per segment for a query or a filtered search. Selective filters, as indexes are meant for.
/// </summary>
[MemoryDiagnoser]
public class ScalarFilterBenchmarks
{
    private const int Rows = 200_000;

    private static readonly CollectionSchema Schema = new()
    {
        Name = "bench",
        Fields =
        [
            new FieldSchema { FieldId = 100, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
            new FieldSchema { FieldId = 101, Name = "num", DataType = DataType.Int64 },
            new FieldSchema { FieldId = 102, Name = "title", DataType = DataType.VarChar },
            new FieldSchema { FieldId = 103, Name = "color", DataType = DataType.Int32 },
            new FieldSchema { FieldId = 104, Name = "meta", DataType = DataType.Json },
        ],
    };

    private RowBatch _batch = null!;
    private FilterExpression _filter = null!;
    private Indexes _indexes = null!;

    /// <summary>The index type and the filter it answers.</summary>
    [Params(
        "STL_SORT: num >= 1000 and num < 3000",
        "INVERTED: num in [5, 77, 901, 4242]",
        "BITMAP: color == 3",
        "Trie: title like \"k7%\"",
        "INVERTED: title == \"k123456\"",
        "JSON INVERTED: meta[\"g\"] == 17")]
    public string Case { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var nums = new long[Rows];
        var titles = new string[Rows];
        var colors = new int[Rows];
        var metas = new byte[Rows][];
        for (var row = 0; row < Rows; row++)
        {
            nums[row] = random.Next(0, 100_000);
            titles[row] = "k" + random.Next(0, 1_000_000);
            colors[row] = random.Next(0, 16);
            metas[row] = Encoding.UTF8.GetBytes($"{{\"g\":{random.Next(0, 1000)},\"s\":\"x{row % 7}\"}}");
        }

        _batch = new RowBatch(ImmutableDictionary<long, Column>.Empty
            .Add(100, new ScalarColumn<long>(DataType.Int64, [.. Enumerable.Range(0, Rows).Select(i => (long)i)]))
            .Add(101, new ScalarColumn<long>(DataType.Int64, nums))
            .Add(102, new StringColumn(titles))
            .Add(103, new ScalarColumn<int>(DataType.Int32, colors))
            .Add(104, new JsonColumn(metas)));

        var (type, filter) = (Case[..Case.IndexOf(':')], Case[(Case.IndexOf(':') + 2)..]);
        _filter = FilterExpression.Parse(filter, Schema);
        var fieldId = filter.StartsWith("num", StringComparison.Ordinal) ? 101 : filter.StartsWith("title", StringComparison.Ordinal) ? 102
            : filter.StartsWith("color", StringComparison.Ordinal) ? 103 : 104;
        var index = type switch
        {
            "JSON INVERTED" => ScalarIndexBuilder.Build(ScalarIndexType.Inverted, _batch[fieldId], new JsonIndexTarget(["g"], JsonCastType.Double)),
            _ => ScalarIndexBuilder.Build(ScalarIndexTypes.Parse(type), _batch[fieldId]),
        };
        _indexes = new Indexes(fieldId, index);
        if (!_filter.Evaluate(_batch).Words.SequenceEqual(_filter.Evaluate(_batch, _indexes).Words))
        {
            throw new InvalidOperationException($"{Case}: the index answers differently from the scan");
        }
    }

    [Benchmark(Baseline = true)]
    public int Scan() => _filter.Evaluate(_batch).PopCount();

    [Benchmark]
    public int Indexed() => _filter.Evaluate(_batch, _indexes).PopCount();

    private sealed class Indexes(long fieldId, IScalarIndex index) : IScalarIndexes
    {
        public IScalarIndex? Find(long id) => id == fieldId ? index : null;
    }
}
