using BenchmarkDotNet.Attributes;
using Milvus.Akka.Common;
using Milvus.Akka.Expressions;

namespace Milvus.Akka.Index.Benchmarks;

/// <summary>
/// What a shard or query node in another process spends on a request's filter before evaluating it: parsing and binding
/// the text (as nodes did when plans carried it) against rebuilding the bound tree from the plan's bytes.
/// </summary>
[MemoryDiagnoser]
public class FilterPlanBenchmarks
{
    private static readonly CollectionSchema Schema = new()
    {
        Name = "bench",
        EnableDynamicField = true,
        Fields =
        [
            new FieldSchema { FieldId = 100, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
            new FieldSchema { FieldId = 101, Name = "num", DataType = DataType.Int64 },
            new FieldSchema { FieldId = 102, Name = "title", DataType = DataType.VarChar },
            new FieldSchema { FieldId = 103, Name = "meta", DataType = DataType.Json },
            new FieldSchema { FieldId = 104, Name = CollectionSchema.DynamicFieldName, DataType = DataType.Json, IsDynamic = true },
        ],
    };

    private string _text = "";
    private byte[] _plan = [];

    [Params("typical", "pk in 1,000", "pk in 100,000")]
    public string Filter { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        _text = Filter switch
        {
            "typical" => "(num % 7 == 1 or title like \"a%\") and meta[\"tag\"] in [\"t1\", \"t2\"] and num < 900 and color == \"red\"",
            "pk in 1,000" => $"id in [{string.Join(", ", Enumerable.Range(0, 1_000).Select(i => i * 7919L))}]",
            _ => $"id in [{string.Join(", ", Enumerable.Range(0, 100_000).Select(i => i * 7919L))}]",
        };
        _plan = FilterPlan.Of(FilterExpression.Parse(_text, Schema)).Encoded;
        Console.WriteLine($"// {Filter}: text {System.Text.Encoding.UTF8.GetByteCount(_text):N0} bytes, plan {_plan.Length:N0} bytes");
    }

    [Benchmark(Baseline = true)]
    public FilterExpression ParseText() => FilterExpression.Parse(_text, Schema);

    [Benchmark]
    public FilterExpression RebuildFromPlan() => FilterPlan.FromEncoded(_plan).For(Schema);
}
