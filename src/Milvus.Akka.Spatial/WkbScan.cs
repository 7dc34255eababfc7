using System.Buffers.Binary;

namespace Milvus.Akka.Spatial;

/// <summary>
/// What a spatial filter needs to know of a row before parsing it: its bounding box, and its coordinates when it is a
/// single point. Read straight from the WKB bytes, without allocating.
/// </summary>
internal readonly record struct WkbShape(double MinX, double MinY, double MaxX, double MaxY, bool IsPoint);

internal static class WkbScan
{
    private const int MaxNesting = 32;

    /// <summary>
    /// The shape of 2D WKB (either byte order); false for anything else (Z/M coordinates, an empty geometry, bytes that
    /// are not WKB), which the caller then parses in full.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> wkb, out WkbShape shape)
    {
        var box = new Box(double.PositiveInfinity, double.PositiveInfinity, double.NegativeInfinity, double.NegativeInfinity);
        var offset = 0;
        if (!TryGeometry(wkb, ref offset, ref box, 0, out var type) || offset != wkb.Length || box.MinX > box.MaxX)
        {
            shape = default;
            return false;
        }

        shape = new WkbShape(box.MinX, box.MinY, box.MaxX, box.MaxY, type == 1);
        return true;
    }

    private static bool TryGeometry(ReadOnlySpan<byte> wkb, ref int offset, ref Box box, int depth, out uint type)
    {
        type = 0;
        if (depth > MaxNesting || wkb.Length - offset < 5 || wkb[offset] > 1)
        {
            return false;
        }

        var little = wkb[offset] == 1;
        type = ReadUInt32(wkb, offset + 1, little);
        offset += 5;
        switch (type)
        {
            case 1:
                return TryPoints(wkb, ref offset, ref box, 1);
            case 2:
                return TryCount(wkb, ref offset, little, out var points) && points > 0 && TryPoints(wkb, ref offset, ref box, points);
            case 3:
                if (!TryCount(wkb, ref offset, little, out var rings) || rings == 0)
                {
                    return false;
                }

                for (var ring = 0; ring < rings; ring++)
                {
                    if (!TryCount(wkb, ref offset, little, out var count) || !TryPoints(wkb, ref offset, ref box, count))
                    {
                        return false;
                    }
                }

                return true;
            case 4 or 5 or 6 or 7:
                if (!TryCount(wkb, ref offset, little, out var parts) || parts == 0)
                {
                    return false;
                }

                for (var part = 0; part < parts; part++)
                {
                    if (!TryGeometry(wkb, ref offset, ref box, depth + 1, out _))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return false;
        }

        bool TryPoints(ReadOnlySpan<byte> bytes, ref int at, ref Box bounds, int count)
        {
            if ((bytes.Length - at) / 16 < count)
            {
                return false;
            }

            for (var i = 0; i < count; i++, at += 16)
            {
                var x = ReadDouble(bytes, at, little);
                var y = ReadDouble(bytes, at + 8, little);
                if (double.IsNaN(x) || double.IsNaN(y))
                {
                    return false;
                }

                bounds = new Box(Math.Min(bounds.MinX, x), Math.Min(bounds.MinY, y), Math.Max(bounds.MaxX, x), Math.Max(bounds.MaxY, y));
            }

            return true;
        }
    }

    /// <summary>The coordinates of a 2D WKB point (call only when <see cref="WkbShape.IsPoint"/>).</summary>
    public static (double X, double Y) Point(ReadOnlySpan<byte> wkb)
    {
        var little = wkb[0] == 1;
        return (ReadDouble(wkb, 5, little), ReadDouble(wkb, 13, little));
    }

    private static bool TryCount(ReadOnlySpan<byte> wkb, ref int offset, bool little, out int count)
    {
        count = 0;
        if (wkb.Length - offset < 4)
        {
            return false;
        }

        var value = ReadUInt32(wkb, offset, little);
        offset += 4;
        if (value > int.MaxValue)
        {
            return false;
        }

        count = (int)value;
        return true;
    }

    private static uint ReadUInt32(ReadOnlySpan<byte> wkb, int offset, bool little) => little
        ? BinaryPrimitives.ReadUInt32LittleEndian(wkb[offset..])
        : BinaryPrimitives.ReadUInt32BigEndian(wkb[offset..]);

    private static double ReadDouble(ReadOnlySpan<byte> wkb, int offset, bool little) => little
        ? BinaryPrimitives.ReadDoubleLittleEndian(wkb[offset..])
        : BinaryPrimitives.ReadDoubleBigEndian(wkb[offset..]);

    private readonly record struct Box(double MinX, double MinY, double MaxX, double MaxY);
}
