using System.Collections.Immutable;
using System.Text;
using Milvus.Akka.Common;
using Milvus.Akka.Proxy;

namespace Milvus.Akka.Server.Tests;

/// <summary>Seeded rows of the end-to-end collection and a brute-force oracle over the rows that should be visible.</summary>
public sealed class TestRows
{
    public const int Dim = 128;
    public static readonly string[] VectorFields = ["vec_l2", "vec_ip", "vec_cos"];

    private readonly Random _random;
    private readonly SortedDictionary<long, Row> _visible = [];

    public TestRows(int seed) => _random = new Random(seed);

    public sealed record Row(long Id, float[] Vector, string Title, int Num, string Json, int Group);

    public IReadOnlyCollection<Row> Visible => _visible.Values;

    public static CollectionSchema Schema(string name) => new()
    {
        Name = name,
        Fields =
        [
            Field("id", DataType.Int64) with { IsPrimaryKey = true },
            .. VectorFields.Select(f => Field(f, DataType.FloatVector, (FieldSchema.DimKey, Dim.ToString()))),
            Field("title", DataType.VarChar, (FieldSchema.MaxLengthKey, "64")),
            Field("num", DataType.Int32),
            Field("meta", DataType.Json),
        ],
    };

    private static FieldSchema Field(string name, DataType type, params (string Key, string Value)[] typeParams) => new()
    {
        FieldId = 0,
        Name = name,
        DataType = type,
        TypeParams = typeParams.ToImmutableSortedDictionary(p => p.Key, p => p.Value),
    };

    /// <summary>Makes <paramref name="count"/> new rows with ids from <paramref name="firstId"/>, as insert columns by field name.</summary>
    public Dictionary<string, Column> Make(long firstId, int count)
    {
        var rows = new List<Row>(count);
        for (var i = 0; i < count; i++)
        {
            var vector = new float[Dim];
            for (var d = 0; d < Dim; d++)
            {
                vector[d] = (float)(_random.NextDouble() * 2 - 1);
            }

            var group = _random.Next(10);
            var title = $"{(char)('a' + _random.Next(6))}{_random.Next(100000)}";
            var num = _random.Next(1000);
            rows.Add(new Row(firstId + i, vector, title, num, $"{{\"group\":{group},\"tag\":\"t{group % 3}\"}}", group));
        }

        foreach (var row in rows)
        {
            _visible[row.Id] = row;
        }

        var vectors = rows.SelectMany(r => r.Vector).ToArray();
        var columns = new Dictionary<string, Column>
        {
            ["id"] = new ScalarColumn<long>(DataType.Int64, rows.Select(r => r.Id).ToArray()),
            ["title"] = new StringColumn(rows.Select(r => r.Title).ToArray()),
            ["num"] = new ScalarColumn<int>(DataType.Int32, rows.Select(r => r.Num).ToArray()),
            ["meta"] = new JsonColumn(rows.Select(r => Encoding.UTF8.GetBytes(r.Json)).ToArray()),
        };
        foreach (var field in VectorFields)
        {
            columns[field] = new VectorColumn<float>(DataType.FloatVector, Dim, (float[])vectors.Clone());
        }

        return columns;
    }

    public void Delete(IEnumerable<long> ids)
    {
        foreach (var id in ids)
        {
            _visible.Remove(id);
        }
    }

    public float[] RandomQuery()
    {
        var vector = new float[Dim];
        for (var d = 0; d < Dim; d++)
        {
            vector[d] = (float)(_random.NextDouble() * 2 - 1);
        }

        return vector;
    }

    /// <summary>Exact top-k ids of the visible rows passing <paramref name="filter"/>, best first.</summary>
    public long[] TopK(float[] query, MetricType metric, int k, Func<Row, bool>? filter = null) =>
        _visible.Values.Where(r => filter?.Invoke(r) ?? true)
            .Select(r => (r.Id, Score: Score(metric, query, r.Vector)))
            .OrderBy(h => metric.HigherIsBetter() ? -h.Score : h.Score).ThenBy(h => h.Id)
            .Take(k).Select(h => h.Id).ToArray();

    /// <summary>Same hits as the oracle: ties at float precision may swap places, so compare oracle scores, not only order.</summary>
    public void AssertSameHits(MetricType metric, float[] query, SearchResult result, int q, long[] expected)
    {
        var ids = ((ScalarColumn<long>)result.Ids).Values[result.Offsets[q]..result.Offsets[q + 1]];
        Assert.Equal(expected.Length, ids.Length);
        Assert.Equal(ids.Length, ids.Distinct().Count());
        var actualScores = ids.Select(id => Score(metric, query, Assert.Contains(id, (IDictionary<long, Row>)_visible).Vector)).ToArray();
        var expectedScores = expected.Select(id => Score(metric, query, _visible[id].Vector)).ToArray();
        for (var i = 0; i < ids.Length; i++)
        {
            Assert.True(Math.Abs(actualScores[i] - expectedScores[i]) <= 1e-3 * Math.Max(1, Math.Abs(expectedScores[i])),
                $"{metric} hit {i}: got id {ids[i]} (score {actualScores[i]}), oracle has id {expected[i]} (score {expectedScores[i]})");
        }
    }

    public static double Score(MetricType metric, float[] a, float[] b)
    {
        double dot = 0, l2 = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            l2 += (a[i] - b[i]) * (a[i] - b[i]);
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }

        return metric switch
        {
            MetricType.L2 => l2,
            MetricType.IP => dot,
            _ => dot / Math.Sqrt(na * nb),
        };
    }
}
