using Milvus.Akka.Common;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;

namespace Milvus.Akka.Spatial;

/// <summary>
/// WKT and WKB for Milvus's GEOMETRY type. Values are stored as 2D little-endian ISO WKB (what Milvus keeps), whether
/// the client sent WKT (<c>geometry_wkt_data</c>, what the SDKs send) or WKB (<c>geometry_data</c>); they are returned as
/// WKT, as Milvus's proxy does. Readers and writers are not thread-safe, so each call makes its own (they are small).
/// </summary>
public static class GeometryCodec
{
    /// <summary>The geometry a WKT string describes; a clear Milvus error (ParameterInvalid) when it is not WKT.</summary>
    public static Geometry ParseWkt(string wkt, string what)
    {
        if (string.IsNullOrWhiteSpace(wkt))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"{what} is empty, expected a WKT geometry such as POINT (1 2)");
        }

        try
        {
            return new WKTReader(NetTopologySuite.NtsGeometryServices.Instance).Read(wkt);
        }
        catch (Exception e) when (e is ParseException or ArgumentException or FormatException or InvalidOperationException)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"{what} is not valid WKT: {Shorten(wkt)} ({e.Message})");
        }
    }

    /// <summary>The WKT itself, once it is known to parse.</summary>
    public static string CheckWkt(string wkt, string what)
    {
        ParseWkt(wkt, what);
        return wkt;
    }

    /// <summary>WKT to the stored WKB.</summary>
    public static byte[] WktToWkb(string wkt, string what) => ToWkb(ParseWkt(wkt, what));

    /// <summary>WKB sent by a client, checked and normalised to the stored form (2D, little-endian).</summary>
    public static byte[] NormalizeWkb(ReadOnlySpan<byte> wkb, string what) => ToWkb(ParseWkb(wkb, what));

    /// <summary>The geometry of stored (or client) WKB; ParameterInvalid when the bytes are not WKB.</summary>
    public static Geometry ParseWkb(ReadOnlySpan<byte> wkb, string what)
    {
        try
        {
            return new WKBReader(NetTopologySuite.NtsGeometryServices.Instance).Read(wkb.ToArray());
        }
        catch (Exception e) when (e is ParseException or ArgumentException or IOException or InvalidOperationException or IndexOutOfRangeException)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"{what} is not valid WKB ({e.Message})");
        }
    }

    public static byte[] ToWkb(Geometry geometry) => new WKBWriter(ByteOrder.LittleEndian, handleSRID: false, emitZ: false, emitM: false).Write(geometry);

    /// <summary>Stored WKB as WKT, e.g. <c>POINT (13.39971 52.51801)</c>.</summary>
    public static string WkbToWkt(byte[] wkb) => wkb.Length == 0 ? "" : ParseWkb(wkb, "a stored geometry").AsText();

    private static string Shorten(string text) => text.Length <= 64 ? $"'{text}'" : $"'{text[..64]}…'";
}
