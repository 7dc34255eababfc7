using Milvus.Akka.Common;
using NetTopologySuite.Algorithm.Locate;
using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Prepared;

namespace Milvus.Akka.Spatial;

/// <summary>Milvus's spatial filter functions; each reads <c>OP(row, literal)</c>.</summary>
public enum SpatialOperator
{
    Equals,
    Touches,
    Overlaps,
    Crosses,
    Contains,
    Intersects,
    Within,
    DWithin,
    IsValid,
}

/// <summary>
/// One spatial filter function with its literal parsed (and prepared) once per filter. A row is tested in three steps,
/// cheapest first: its bounding box, read from the WKB without allocating, rules most rows out; a single point row
/// against an area literal is located in the literal's indexed rings, and ST_DWITHIN between points is the haversine
/// distance, both without parsing the row; only the rest is parsed and given the exact predicate. As in Milvus (GEOS),
/// a predicate that cannot be computed on an invalid geometry is false.
/// </summary>
public sealed class SpatialPredicate
{
    /// <summary>The earth radius Milvus's haversine uses, in meters.</summary>
    private const double EarthRadiusMeters = 6_371_000.0;

    private const double MetersPerDegreeLatitude = 111_320.0;

    private readonly Geometry? _literal;
    private readonly IPreparedGeometry? _prepared;
    private readonly IPointOnGeometryLocator? _areaLocator;
    private readonly Envelope _box = new();
    private readonly double _distance;

    private SpatialPredicate(SpatialOperator op, Geometry? literal, double distance)
    {
        Operator = op;
        _literal = literal;
        _distance = distance;
        if (literal is null)
        {
            return;
        }

        _box = literal.EnvelopeInternal;
        _prepared = PreparedGeometryFactory.Prepare(literal);
        if (literal is IPolygonal && literal.Area > 0 && literal.IsValid)
        {
            _areaLocator = new IndexedPointInAreaLocator(literal);
        }

        // The locator and the prepared geometry build their indexes on first use; build them here, so the segments a
        // filter runs over in parallel only ever read them.
        var inside = literal.IsEmpty ? literal.Factory.CreatePoint() : literal.InteriorPoint;
        _areaLocator?.Locate(inside.Coordinate ?? new Coordinate());
        _prepared.Intersects(inside);
        _prepared.Contains(inside);
    }

    public SpatialOperator Operator { get; }

    /// <summary><c>ST_ISVALID(field)</c>: no literal.</summary>
    public static SpatialPredicate IsValid() => new(SpatialOperator.IsValid, null, 0);

    /// <summary>A two-geometry function; ST_DWITHIN needs a POINT literal (longitude, latitude) and a distance in meters.</summary>
    public static SpatialPredicate Create(SpatialOperator op, string wkt, double distance = 0)
    {
        var literal = GeometryCodec.ParseWkt(wkt, $"the geometry of ST_{op.ToString().ToUpperInvariant()}");
        if (op == SpatialOperator.DWithin)
        {
            if (literal is not Point || literal.IsEmpty)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"ST_DWITHIN needs a POINT as its geometry, got {literal.GeometryType.ToUpperInvariant()}");
            }

            if (!(distance >= 0) || double.IsInfinity(distance))
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"the distance of ST_DWITHIN must be a finite number of meters >= 0, got {distance}");
            }
        }

        return new SpatialPredicate(op, literal, distance);
    }

    /// <summary>Whether the row (stored WKB) satisfies the function.</summary>
    public bool Matches(ReadOnlySpan<byte> wkb)
    {
        if (Operator == SpatialOperator.IsValid || !WkbScan.TryRead(wkb, out var shape))
        {
            return Exact(wkb);
        }

        if (Operator == SpatialOperator.DWithin)
        {
            if (!shape.IsPoint)
            {
                return Exact(wkb);
            }

            var (x, y) = WkbScan.Point(wkb);
            var query = (Point)_literal!;
            return Haversine(y, x, query.Y, query.X) <= _distance;
        }

        var possible = Operator switch
        {
            SpatialOperator.Contains => Covers(shape.MinX, shape.MinY, shape.MaxX, shape.MaxY, _box.MinX, _box.MinY, _box.MaxX, _box.MaxY),
            SpatialOperator.Within => Covers(_box.MinX, _box.MinY, _box.MaxX, _box.MaxY, shape.MinX, shape.MinY, shape.MaxX, shape.MaxY),
            SpatialOperator.Equals => shape.MinX == _box.MinX && shape.MinY == _box.MinY && shape.MaxX == _box.MaxX && shape.MaxY == _box.MaxY,
            _ => shape.MinX <= _box.MaxX && shape.MaxX >= _box.MinX && shape.MinY <= _box.MaxY && shape.MaxY >= _box.MinY,
        };
        if (!possible)
        {
            return false;
        }

        if (shape.IsPoint && _areaLocator is not null)
        {
            var (x, y) = WkbScan.Point(wkb);
            var location = _areaLocator.Locate(new Coordinate(x, y));
            return Operator switch
            {
                SpatialOperator.Intersects => location != Location.Exterior,
                SpatialOperator.Within => location == Location.Interior,
                SpatialOperator.Touches => location == Location.Boundary,
                // A point cannot contain, equal, overlap or cross an area.
                _ => false,
            };
        }

        return Exact(wkb);
    }

    private bool Exact(ReadOnlySpan<byte> wkb)
    {
        var row = GeometryCodec.ParseWkb(wkb, "a stored geometry");
        try
        {
            return Operator switch
            {
                SpatialOperator.IsValid => row.IsValid,
                SpatialOperator.Equals => row.EqualsTopologically(_literal!),
                SpatialOperator.Touches => _prepared!.Touches(row),
                SpatialOperator.Overlaps => _prepared!.Overlaps(row),
                SpatialOperator.Crosses => _prepared!.Crosses(row),
                // row contains literal ⇔ literal within row, and the other way round.
                SpatialOperator.Contains => _prepared!.Within(row),
                SpatialOperator.Within => _prepared!.Contains(row),
                SpatialOperator.Intersects => _prepared!.Intersects(row),
                _ => DistanceMeters(row) <= _distance,
            };
        }
        catch (Exception e) when (e is TopologyException or ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>
    /// From a non-point row to the query point, as Milvus measures it: the planar distance in degrees, scaled by the
    /// mean length of a degree at the query's latitude.
    /// </summary>
    private double DistanceMeters(Geometry row)
    {
        var query = (Point)_literal!;
        var latitude = query.Y * Math.PI / 180;
        var metersPerDegree = MetersPerDegreeLatitude * Math.Sqrt((1 + (Math.Cos(latitude) * Math.Cos(latitude))) / 2);
        return row.Distance(query) * metersPerDegree;
    }

    /// <summary>The great-circle distance in meters between two (latitude, longitude) points in degrees.</summary>
    internal static double Haversine(double lat1, double lon1, double lat2, double lon2)
    {
        const double radians = Math.PI / 180;
        var dLat = (lat2 - lat1) * radians;
        var dLon = (lon2 - lon1) * radians;
        var a = (Math.Sin(dLat / 2) * Math.Sin(dLat / 2))
            + (Math.Cos(lat1 * radians) * Math.Cos(lat2 * radians) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2));
        return EarthRadiusMeters * 2 * Math.Atan2(Math.Sqrt(a), Math.Sqrt(1 - a));
    }

    private static bool Covers(double minX, double minY, double maxX, double maxY, double innerMinX, double innerMinY, double innerMaxX, double innerMaxY) =>
        innerMinX >= minX && innerMaxX <= maxX && innerMinY >= minY && innerMaxY <= maxY;
}
