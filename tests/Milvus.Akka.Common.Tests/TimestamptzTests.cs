using Xunit;

namespace Milvus.Akka.Common.Tests;

public sealed class TimestamptzTests
{
    private static readonly TimeZoneInfo Shanghai = Timestamptz.Zone("Asia/Shanghai");

    private static long Micros(DateTimeOffset instant) => (instant.UtcTicks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond;

    [Theory]
    [InlineData("2025-05-01T23:59:59+08:00", "2025-05-01T15:59:59Z")]
    [InlineData("2025-05-01 23:59:59+08:00", "2025-05-01T15:59:59Z")]
    [InlineData("2025-05-01T23:59:59+08", "2025-05-01T15:59:59Z")]
    [InlineData("2025-05-01T15:59:59Z", "2025-05-01T15:59:59Z")]
    [InlineData("2025-05-01 15:59:59Z", "2025-05-01T15:59:59Z")]
    [InlineData("2025-05-01T15:59:59.123456Z", "2025-05-01T15:59:59.123456Z")]
    [InlineData("1969-12-31T23:59:59.5-00:00", "1969-12-31T23:59:59.5Z")]
    public void An_instant_with_an_offset_is_absolute_whatever_the_default_zone(string text, string utc)
    {
        var expected = Micros(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(expected, Timestamptz.Parse(text, TimeZoneInfo.Utc));
        Assert.Equal(expected, Timestamptz.Parse(text, Shanghai));
    }

    [Fact]
    public void A_timestamp_without_an_offset_is_read_in_the_default_zone()
    {
        Assert.Equal(Timestamptz.Parse("2024-12-31T22:00:00+08:00", TimeZoneInfo.Utc), Timestamptz.Parse("2024-12-31 22:00:00", Shanghai));
        Assert.Equal(Timestamptz.Parse("2024-12-31T22:00:00Z", TimeZoneInfo.Utc), Timestamptz.Parse("2024-12-31T22:00:00", TimeZoneInfo.Utc));
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2025-13-01T00:00:00Z")]
    [InlineData("2025-05-01T23:59:59+15:00")]
    [InlineData("2025-05-01T23:59:59-13:00")]
    [InlineData("")]
    public void A_string_that_is_no_valid_timestamp_is_refused(string text)
    {
        var error = Assert.Throws<MilvusException>(() => Timestamptz.Parse(text, TimeZoneInfo.Utc));
        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
    }

    [Theory]
    [InlineData(0L, "UTC", "1970-01-01T00:00:00Z")]
    [InlineData(1_746_115_199_120_000L, "UTC", "2025-05-01T15:59:59.12Z")]
    [InlineData(1_746_115_199_000_001L, "Asia/Shanghai", "2025-05-01T23:59:59.000001+08:00")]
    [InlineData(-1L, "UTC", "1969-12-31T23:59:59.999999Z")]
    public void Output_is_RFC_3339_in_the_zone_with_trailing_fraction_zeros_trimmed(long micros, string zone, string expected)
    {
        var text = Timestamptz.Format(micros, Timestamptz.Zone(zone));

        Assert.Equal(expected, text);
        Assert.Equal(micros, Timestamptz.Parse(text, TimeZoneInfo.Utc));
    }

    [Fact]
    public void An_unknown_zone_name_is_refused()
    {
        Assert.Equal(ErrorCode.ParameterInvalid, Assert.Throws<MilvusException>(() => Timestamptz.Zone("Mars/Olympus")).Code);
        Assert.Equal(TimeZoneInfo.Utc.BaseUtcOffset, Timestamptz.ZoneOf(new Dictionary<string, string>()).BaseUtcOffset);
    }

    [Theory]
    [InlineData("P1D", 86_400_000_000L)]
    [InlineData("PT1H30M", 5_400_000_000L)]
    [InlineData("P2W", 1_209_600_000_000L)]
    [InlineData("P1DT2H3M4.5S", 93_784_500_000L)]
    [InlineData("pt0s", 0L)]
    public void An_interval_of_fixed_length_is_counted_in_microseconds(string text, long micros) =>
        Assert.Equal(micros, Timestamptz.ParseInterval(text));

    [Theory]
    [InlineData("P1Y", ErrorCode.OperationNotSupported)]
    [InlineData("P2M", ErrorCode.OperationNotSupported)]
    [InlineData("1D", ErrorCode.ParameterInvalid)]
    [InlineData("P", ErrorCode.ParameterInvalid)]
    [InlineData("PT", ErrorCode.ParameterInvalid)]
    [InlineData("P1H", ErrorCode.ParameterInvalid)]
    [InlineData("PT1D", ErrorCode.ParameterInvalid)]
    [InlineData("P1D2", ErrorCode.ParameterInvalid)]
    public void An_interval_without_a_fixed_length_or_not_ISO_8601_is_refused(string text, ErrorCode code) =>
        Assert.Equal(code, Assert.Throws<MilvusException>(() => Timestamptz.ParseInterval(text)).Code);
}
