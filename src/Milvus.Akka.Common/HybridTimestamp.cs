namespace Milvus.Akka.Common;

/// <summary>
/// Milvus hybrid timestamps: <c>physical_ms &lt;&lt; 18 | logical</c>, 46 bits of UTC milliseconds and
/// 262,144 logical ticks per millisecond, as issued by the coordinator's timestamp oracle.
/// </summary>
public static class HybridTimestamp
{
    public const int LogicalBits = 18;
    public const ulong LogicalMask = (1UL << LogicalBits) - 1;

    public static ulong Compose(long physicalMs, long logical) => ((ulong)physicalMs << LogicalBits) | ((ulong)logical & LogicalMask);

    public static long Physical(ulong ts) => (long)(ts >> LogicalBits);

    public static long Logical(ulong ts) => (long)(ts & LogicalMask);

    public static ulong FromTime(DateTimeOffset time) => Compose(time.ToUnixTimeMilliseconds(), 0);

    public static DateTimeOffset ToTime(ulong ts) => DateTimeOffset.FromUnixTimeMilliseconds(Physical(ts));

    /// <summary>Moves a timestamp back by a wall-clock duration (Bounded consistency's graceful time).</summary>
    public static ulong SubtractPhysical(ulong ts, TimeSpan duration)
    {
        var physical = Physical(ts) - (long)duration.TotalMilliseconds;
        return physical <= 0 ? 1UL : Compose(physical, Logical(ts));
    }
}
