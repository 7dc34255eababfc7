using System.Globalization;

namespace Milvus.Akka.Common;

/// <summary>
/// Milvus 2.6's TIMESTAMPTZ values: an absolute instant kept as microseconds since the Unix epoch (UTC), written by
/// clients as ISO 8601 strings. A string with an offset (<c>Z</c>, <c>+08:00</c>, <c>+08</c>) is absolute; one without
/// is read in a default time zone (the collection's <c>timezone</c> property, else UTC). Outputs are shown in a time
/// zone as RFC 3339 with at most six fraction digits and no trailing zeros, <c>Z</c> for a zero offset.
/// </summary>
public static class Timestamptz
{
    /// <summary>The collection property and the search/query parameter naming an IANA time zone.</summary>
    public const string TimezoneKey = "timezone";

    public const string DefaultTimezone = "UTC";

    // Milvus accepts offsets from -12:00 to +14:00, as PostgreSQL does.
    private static readonly TimeSpan MinOffset = TimeSpan.FromHours(-12);
    private static readonly TimeSpan MaxOffset = TimeSpan.FromHours(14);

    private static readonly string[] AbsoluteFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", "yyyy-MM-dd HH:mm:ss.FFFFFFFzzz",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzz", "yyyy-MM-dd HH:mm:ss.FFFFFFFzz",
    ];

    private static readonly string[] UtcFormats = ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", "yyyy-MM-dd HH:mm:ss.FFFFFFF'Z'"];

    private static readonly string[] NaiveFormats = ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm:ss.FFFFFFF"];

    /// <summary>The time zone an IANA name (or "UTC") stands for; an unknown name is a ParameterInvalid error.</summary>
    public static TimeZoneInfo Zone(string name) =>
        !string.IsNullOrWhiteSpace(name) && TimeZoneInfo.TryFindSystemTimeZoneById(name, out var zone)
            ? zone
            : throw new MilvusException(ErrorCode.ParameterInvalid, $"unknown or invalid IANA Time Zone ID: {name}");

    /// <summary>The zone named by the <c>timezone</c> key of <paramref name="properties"/>, else UTC.</summary>
    public static TimeZoneInfo ZoneOf(IReadOnlyDictionary<string, string> properties) =>
        properties.TryGetValue(TimezoneKey, out var name) ? Zone(name) : TimeZoneInfo.Utc;

    /// <summary>Microseconds since the epoch of an ISO 8601 timestamp; one without an offset is read in <paramref name="zone"/>.</summary>
    public static long Parse(string text, TimeZoneInfo zone)
    {
        var culture = CultureInfo.InvariantCulture;
        DateTimeOffset instant;
        if (DateTimeOffset.TryParseExact(text, AbsoluteFormats, culture, DateTimeStyles.None, out instant))
        {
            if (instant.Offset < MinOffset || instant.Offset > MaxOffset)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid,
                    $"UTC offset hour {instant.Offset.TotalHours:0.##} of '{text}' is out of the valid range [-12, 14]");
            }
        }
        else if (!DateTimeOffset.TryParseExact(text, UtcFormats, culture, DateTimeStyles.AssumeUniversal, out instant))
        {
            if (!DateTime.TryParseExact(text, NaiveFormats, culture, DateTimeStyles.None, out var local))
            {
                throw new MilvusException(ErrorCode.ParameterInvalid,
                    $"invalid timestamp string: '{text}'; expected ISO 8601 such as 2025-05-01T23:59:59+08:00");
            }

            instant = new DateTimeOffset(local, zone.GetUtcOffset(local));
        }

        return (instant.UtcTicks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond;
    }

    /// <summary>The instant as Milvus shows it in <paramref name="zone"/>: RFC 3339, trailing fraction zeros trimmed.</summary>
    public static string Format(long microseconds, TimeZoneInfo zone)
    {
        var utc = new DateTime(DateTime.UnixEpoch.Ticks + microseconds * TimeSpan.TicksPerMicrosecond, DateTimeKind.Utc);
        var local = TimeZoneInfo.ConvertTime(new DateTimeOffset(utc), zone);
        var text = local.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture);
        return local.Offset == TimeSpan.Zero ? text + "Z" : text + local.ToString("zzz", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The length of an ISO 8601 duration (<c>P1DT2H</c>, <c>PT90M</c>, <c>P2W</c>) in microseconds. Years and months
    /// have no fixed length and are refused.
    /// </summary>
    public static long ParseInterval(string text)
    {
        var span = 0.0;
        var inTime = false;
        var number = "";
        var valid = text.Length > 1 && text[0] is 'P' or 'p';
        for (var i = 1; valid && i < text.Length; i++)
        {
            var c = char.ToUpperInvariant(text[i]);
            if (char.IsAsciiDigit(c) || c == '.')
            {
                number += c;
                continue;
            }

            if (c == 'T' && number.Length == 0 && !inTime)
            {
                inTime = true;
                continue;
            }

            if (number.Length == 0 || !double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
            {
                valid = false;
                break;
            }

            number = "";
            switch (c, inTime)
            {
                case ('Y', false) or ('M', false):
                    throw new MilvusException(ErrorCode.OperationNotSupported,
                        $"INTERVAL '{text}': years and months are not supported by Milvus.Akka; use weeks, days, hours, minutes and seconds");
                case ('W', false): span += amount * 7 * 86_400; break;
                case ('D', false): span += amount * 86_400; break;
                case ('H', true): span += amount * 3_600; break;
                case ('M', true): span += amount * 60; break;
                case ('S', true): span += amount; break;
                default: valid = false; break;
            }
        }

        if (!valid || number.Length > 0 || text.Length < 3)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"invalid INTERVAL '{text}'; expected an ISO 8601 duration such as P1DT2H30M");
        }

        return checked((long)Math.Round(span * 1_000_000));
    }
}
