using System.Globalization;

namespace Milvus.Akka.Proxy;

/// <summary>
/// The order of two values of one column or metric as Milvus's proxy compares them (bucket order, top hits, function
/// chain sorts): a null before any value, numbers by value, strings by their UTF-16 code units, false before true.
/// </summary>
public static class ValueOrder
{
    public static int Compare(object? a, object? b) => (a, b) switch
    {
        (null, null) => 0,
        (null, _) => -1,
        (_, null) => 1,
        (string x, string y) => string.CompareOrdinal(x, y),
        (bool x, bool y) => x.CompareTo(y),
        (long x, long y) => x.CompareTo(y),
        _ => Convert.ToDouble(a, CultureInfo.InvariantCulture).CompareTo(Convert.ToDouble(b, CultureInfo.InvariantCulture)),
    };
}
