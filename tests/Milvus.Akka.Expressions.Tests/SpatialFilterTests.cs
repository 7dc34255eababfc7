using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Spatial;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;
using Xunit;

namespace Milvus.Akka.Expressions.Tests;

/// <summary>
/// The ST_* filter functions against NetTopologySuite as the oracle, over generated rows of every geometry kind on an
/// integer grid (so rows often touch, share edges or lie on a literal's boundary), with null rows.
/// </summary>
public sealed class SpatialFilterTests
{
    private static readonly CollectionSchema Schema = new()
    {
        Name = "places",
        Fields =
        [
            new FieldSchema { FieldId = 100, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
            new FieldSchema { FieldId = 101, Name = "geo", DataType = DataType.Geometry, Nullable = true },
            new FieldSchema { FieldId = 102, Name = "name", DataType = DataType.VarChar },
            new FieldSchema { FieldId = 103, Name = "vec", DataType = DataType.FloatVector },
        ],
    };

    private static readonly WKTReader Reader = new();

    private readonly List<Geometry?> _rows;
    private readonly RowBatch _batch;

    public SpatialFilterTests()
    {
        var random = new Random(2406);
        _rows = [.. Enumerable.Range(0, 700).Select(_ => random.NextDouble() < 0.05 ? null : RandomGeometry(random))];
        _batch = Batch(_rows);
    }

    private static RowBatch Batch(IReadOnlyList<Geometry?> rows) => new(ImmutableDictionary<long, Column>.Empty
        .Add(100, new ScalarColumn<long>(DataType.Int64, [.. Enumerable.Range(0, rows.Count).Select(i => (long)i)]))
        .Add(101, new GeometryColumn([.. rows.Select(g => g is null ? [] : GeometryCodec.ToWkb(g))], [.. rows.Select(g => g is not null)]))
        .Add(102, new StringColumn([.. rows.Select(_ => "x")])));

    private static Geometry RandomGeometry(Random random)
    {
        int C() => random.Next(0, 12);
        string P() => $"{C()} {C()}";
        string Box(int fromX = 0, int toX = 12)
        {
            var (x, y, w, h) = (random.Next(fromX, toX), C(), random.Next(1, 5), random.Next(1, 5));
            return $"(({x} {y}, {x + w} {y}, {x + w} {y + h}, {x} {y + h}, {x} {y}))";
        }

        var wkt = random.Next(6) switch
        {
            0 or 1 => $"POINT ({P()})",
            2 => $"LINESTRING ({P()}, {P()}, {P()})",
            3 => $"POLYGON {Box()}",
            4 => $"MULTIPOINT (({P()}), ({P()}))",
            // Parts apart in x, so the multipolygon is valid.
            _ => $"MULTIPOLYGON ({Box(0, 2)}, {Box(7, 9)})",
        };
        return Reader.Read(wkt);
    }

    public static TheoryData<string, string> Cases()
    {
        var literals = new[]
        {
            "POLYGON ((2 2, 8 2, 8 8, 2 8, 2 2))",
            "POLYGON ((0 0, 11 0, 11 11, 0 11, 0 0), (4 4, 6 4, 6 6, 4 6, 4 4))",
            "LINESTRING (0 0, 11 11)",
            "POINT (4 4)",
            "MULTIPOINT ((3 3), (7 7))",
            "MULTIPOLYGON (((1 1, 3 1, 3 3, 1 3, 1 1)), ((6 6, 9 6, 9 9, 6 9, 6 6)))",
        };
        var data = new TheoryData<string, string>();
        foreach (var op in new[] { "ST_EQUALS", "ST_TOUCHES", "ST_OVERLAPS", "ST_CROSSES", "ST_CONTAINS", "ST_INTERSECTS", "ST_WITHIN" })
        {
            foreach (var literal in literals)
            {
                data.Add(op, literal);
            }
        }

        return data;
    }

    private static bool Oracle(string op, Geometry row, Geometry literal) => op switch
    {
        "ST_EQUALS" => row.EqualsTopologically(literal),
        "ST_TOUCHES" => row.Touches(literal),
        "ST_OVERLAPS" => row.Overlaps(literal),
        "ST_CROSSES" => row.Crosses(literal),
        "ST_CONTAINS" => row.Contains(literal),
        "ST_INTERSECTS" => row.Intersects(literal),
        _ => row.Within(literal),
    };

    private List<int> Matches(string filter, RowBatch? batch = null)
    {
        var rows = batch ?? _batch;
        var parsed = FilterExpression.Parse(filter, Schema);
        var bits = parsed.Evaluate(rows);
        Assert.Equal(bits.Words.ToArray(), TestData.ThroughPlan(parsed, Schema).Evaluate(rows).Words.ToArray());
        return [.. Enumerable.Range(0, bits.Length).Where(i => bits[i])];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_spatial_function_matches_what_NetTopologySuite_answers(string op, string literal)
    {
        var shape = Reader.Read(literal);
        var expected = Enumerable.Range(0, _rows.Count).Where(i => _rows[i] is { } row && Oracle(op, row, shape)).ToList();

        Assert.Equal(expected, Matches($"{op}(geo, '{literal}')"));
        Assert.Equal(expected, Matches($"{op.ToLowerInvariant()}(geo, \"{literal}\")"));
        // Null rows are unknown: the negation leaves them out too.
        var negated = Enumerable.Range(0, _rows.Count).Where(i => _rows[i] is not null && !expected.Contains(i)).ToList();
        Assert.Equal(negated, Matches($"not {op}(geo, '{literal}')"));
    }

    [Fact]
    public void The_oracle_cases_are_not_vacuous()
    {
        // Each function has rows on both sides for some literal, so a predicate that always answered one way would fail.
        foreach (var op in new[] { "ST_EQUALS", "ST_TOUCHES", "ST_OVERLAPS", "ST_CROSSES", "ST_CONTAINS", "ST_INTERSECTS", "ST_WITHIN" })
        {
            var counts = Cases().Where(c => (string)c[0] == op).Select(c => Matches($"{op}(geo, '{c[1]}')").Count).ToList();
            Assert.Contains(counts, n => n > 0);
        }
    }

    [Fact]
    public void St_dwithin_measures_meters_between_longitude_latitude_points_with_the_haversine_formula()
    {
        var random = new Random(77);
        var rows = Enumerable.Range(0, 400)
            .Select(_ => (Geometry?)Reader.Read($"POINT ({13.38 + (random.NextDouble() * 0.05):F6} {52.50 + (random.NextDouble() * 0.04):F6})"))
            .ToList();
        rows[7] = null;
        var batch = Batch(rows);
        const double centerLon = 13.403683, centerLat = 52.520711;

        foreach (var meters in new[] { 0.0, 250, 1000, 2500 })
        {
            var expected = Enumerable.Range(0, rows.Count)
                .Where(i => rows[i] is Point p && GreatCircleMeters(p.Y, p.X, centerLat, centerLon) <= meters)
                .ToList();
            Assert.Equal(expected, Matches($"ST_DWITHIN(geo, 'POINT ({centerLon} {centerLat})', {meters})", batch));
        }

        Assert.NotEmpty(Matches($"ST_DWITHIN(geo, 'POINT ({centerLon} {centerLat})', 1000)", batch));
    }

    [Fact]
    public void St_dwithin_from_a_line_or_area_uses_the_planar_distance_scaled_at_the_query_latitude()
    {
        var rows = new List<Geometry?>
        {
            Reader.Read("LINESTRING (10 50, 10 51)"),
            Reader.Read("POLYGON ((10.02 50, 10.03 50, 10.03 50.01, 10.02 50.01, 10.02 50))"),
            Reader.Read("LINESTRING (11 50, 11 51)"),
        };
        var batch = Batch(rows);
        var lat = 50.5 * Math.PI / 180;
        var metersPerDegree = 111_320.0 * Math.Sqrt((1 + (Math.Cos(lat) * Math.Cos(lat))) / 2);

        foreach (var meters in new[] { 500.0, 1000, 2000, 30_000, 80_000 })
        {
            var query = Reader.Read("POINT (10.01 50.5)");
            var expected = Enumerable.Range(0, rows.Count).Where(i => rows[i]!.Distance(query) * metersPerDegree <= meters).ToList();
            Assert.Equal(expected, Matches($"ST_DWITHIN(geo, 'POINT (10.01 50.5)', {meters})", batch));
        }
    }

    [Fact]
    public void Null_checks_and_st_isvalid_read_the_geometry_field()
    {
        var rows = new List<Geometry?>
        {
            Reader.Read("POLYGON ((0 0, 2 2, 2 0, 0 2, 0 0))"), // a bow tie: parses, but is not a valid polygon
            null,
            Reader.Read("POLYGON ((0 0, 2 0, 2 2, 0 2, 0 0))"),
        };
        var batch = Batch(rows);

        Assert.Equal([1], Matches("geo is null", batch));
        Assert.Equal([0, 2], Matches("geo is not null", batch));
        Assert.Equal([2], Matches("ST_ISVALID(geo)", batch));
        Assert.Equal([0], Matches("not st_isvalid(geo)", batch));
        Assert.Equal([2], Matches("ST_INTERSECTS(geo, 'POINT (1 1)') and id > 1", batch));
    }

    [Theory]
    [InlineData("ST_WITHIN(geo, 'POLYGON ((0 0, 1 1')", "not valid WKT")]
    [InlineData("ST_WITHIN(geo, 'CIRCLE (1 1, 2)')", "not valid WKT")]
    [InlineData("ST_DWITHIN(geo, 'POLYGON ((0 0, 1 0, 1 1, 0 0))', 10)", "needs a POINT")]
    [InlineData("ST_DWITHIN(geo, 'POINT (1 1)', -5)", "must be a finite number")]
    [InlineData("ST_DWITHIN(geo, 'POINT (1 1)', 'far')", "number of meters")]
    [InlineData("ST_DWITHIN(geo, 'POINT (1 1)')", "takes 3 arguments")]
    [InlineData("St_Within(geo, 'POINT (1 1)')", "all in capitals or all in lower case")]
    [InlineData("ST_WITHIN(name, 'POINT (1 1)')", "must be a Geometry field")]
    [InlineData("ST_WITHIN(geo, 12)", "must be a WKT string")]
    [InlineData("geo == 'POINT (1 1)'", "cannot compare")]
    [InlineData("geo in ['POINT (1 1)']", "cannot compare")]
    [InlineData("geo", "is not a condition")]
    [InlineData("ST_AREA(geo) > 1", "not supported")]
    public void A_bad_spatial_filter_is_refused_with_a_clear_error(string filter, string problem)
    {
        var error = Assert.Throws<MilvusException>(() => FilterExpression.Parse(filter, Schema));
        Assert.Contains(problem, error.Message);
        Assert.True(error.Code is ErrorCode.ParameterInvalid or ErrorCode.OperationNotSupported, error.Code.ToString());
    }

    [Fact]
    public void A_spatial_filter_is_held_to_the_depth_limit()
    {
        var deep = new string('(', 40) + "ST_INTERSECTS(geo, 'POINT (1 1)')" + new string(')', 40);
        var error = Assert.Throws<MilvusException>(() => FilterExpression.Parse(deep, Schema, limits: new FilterLimits(1 << 20, maxDepth: 20, maxListItems: 100)));
        Assert.Contains("deep", error.Message);
    }

    [Theory]
    [InlineData("POINT (13.39971 52.51801)")]
    [InlineData("LINESTRING (30 10, 10 30, 40 40)")]
    [InlineData("POLYGON ((30 10, 40 40, 20 40, 10 20, 30 10))")]
    [InlineData("MULTIPOLYGON (((30 20, 45 40, 10 40, 30 20)), ((15 5, 40 10, 10 20, 5 10, 15 5)))")]
    [InlineData("GEOMETRYCOLLECTION (POINT (40 10), LINESTRING (10 10, 20 20, 10 40))")]
    public void Wkt_round_trips_through_the_stored_wkb(string wkt)
    {
        var wkb = GeometryCodec.WktToWkb(wkt, "test");
        Assert.Equal(wkt, GeometryCodec.WkbToWkt(wkb));
        Assert.Equal(wkb, GeometryCodec.NormalizeWkb(wkb, "test"));
    }

    [Fact]
    public void The_haversine_distance_matches_a_known_distance()
    {
        // Berlin (13.4050 E, 52.5200 N) to Paris (2.3522 E, 48.8566 N) is about 878 km on a sphere of radius 6371 km.
        Assert.InRange(GreatCircleMeters(52.5200, 13.4050, 48.8566, 2.3522), 876_000, 880_000);
    }

    /// <summary>The test's own great-circle distance (spherical law of cosines), independent of the code under test.</summary>
    private static double GreatCircleMeters(double lat1, double lon1, double lat2, double lon2)
    {
        var r = Math.PI / 180;
        var cosine = (Math.Sin(lat1 * r) * Math.Sin(lat2 * r)) + (Math.Cos(lat1 * r) * Math.Cos(lat2 * r) * Math.Cos((lon2 - lon1) * r));
        return 6_371_000.0 * Math.Acos(Math.Clamp(cosine, -1, 1));
    }
}
