using Akka.Configuration;
using Milvus.Akka.Common;

namespace Milvus.Akka.Cluster;

/// <summary>
/// Milvus's quotaAndLimits.limitWriting.memProtection (<c>milvus.quota.limit-writing.mem-protection</c>): a node whose
/// memory use is above <see cref="HighWaterLevel"/> of the memory it may use refuses writes (inserts, upserts, deletes)
/// with Milvus's quota error until it is below again, instead of growing until the operating system kills it.
/// </summary>
public sealed record MemoryProtection(bool Enabled, double HighWaterLevel)
{
    /// <summary>Milvus's defaults: on, at 95%.</summary>
    public static MemoryProtection Default { get; } = new(true, 0.95);

    /// <summary>
    /// Milvus's answer (merr.ErrServiceQuotaExceeded) to a write on a node using <paramref name="used"/> of
    /// <paramref name="total"/> bytes, or null when the write may proceed.
    /// </summary>
    public MilvusException? RefuseWrite(long used, long total) =>
        Enabled && total > 0 && (double)used / total > HighWaterLevel
            ? new MilvusException(ErrorCode.ServiceQuotaExceeded,
                $"quota exceeded[reason=memory quota exceeded, please allocate more resources]: the node uses {(double)used / total:P1} of its memory, above milvus.quota.limit-writing.mem-protection.high-water-level {HighWaterLevel:P1}")
            : null;

    public static MemoryProtection From(Config config)
    {
        var c = config.GetConfig("milvus.quota.limit-writing.mem-protection");
        if (c is null || c.IsEmpty)
        {
            return Default;
        }

        var level = c.GetDouble("high-water-level", Default.HighWaterLevel);
        return level is > 0 and <= 1
            ? new MemoryProtection(c.GetBoolean("enabled", Default.Enabled), level)
            : throw new ConfigurationException($"milvus.quota.limit-writing.mem-protection.high-water-level must be in (0, 1], was {level}");
    }
}

/// <summary>
/// This process's memory use, sampled at most once a second (reading it costs a system call): its resident set against
/// the memory the runtime may use (the container's limit, or the machine's).
/// </summary>
public static class NodeMemory
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);
    private static Sample? _sample;

    public static (long Used, long Total) Current
    {
        get
        {
            var sample = Volatile.Read(ref _sample);
            var now = Environment.TickCount64;
            if (sample is null || now - sample.SampledAt >= MaxAge.TotalMilliseconds)
            {
                sample = new Sample(Environment.WorkingSet, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, now);
                Volatile.Write(ref _sample, sample);
            }

            return (sample.Used, sample.Total);
        }
    }

    private sealed record Sample(long Used, long Total, long SampledAt);
}
