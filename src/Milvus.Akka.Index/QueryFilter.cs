using System.Runtime.CompilerServices;
using Milvus.Akka.Common;

namespace Milvus.Akka.Index;

/// <summary>
/// The per-batch restrictions of a search in the engine's internal distance space (lower is better; IP and
/// COSINE scores are negated): the allow-list and the range window [Lower, Upper).
/// </summary>
internal readonly struct QueryFilter
{
    /// <summary>
    /// Below this fraction of allowed rows a graph or list search cannot find enough allowed neighbours, so the
    /// search scans the allowed rows exactly instead (knowhere switches at 93% filtered out).
    /// </summary>
    public const double ExactSearchSelectivity = 0.07;

    private QueryFilter(Bitset? allow, int allowedCount, int count, float lower, float upper)
    {
        Allow = allow;
        AllowedCount = allowedCount;
        Count = count;
        Lower = lower;
        Upper = upper;
    }

    public Bitset? Allow { get; }

    public int AllowedCount { get; }

    public int Count { get; }

    public float Lower { get; }

    public float Upper { get; }

    public bool IsRestricted => Allow is not null;

    /// <summary>Whether so few rows are allowed that an exact scan of them beats an approximate search.</summary>
    public bool PrefersExactScan => Allow is not null && AllowedCount < ExactSearchSelectivity * Count;

    /// <summary>How many inverted lists an IVF search must rank: all of them when an allow-list may force probing past nprobe.</summary>
    public int ListsToRank(int nprobe, int nlist) => IsRestricted ? nlist : Math.Min(nprobe, nlist);

    /// <summary>
    /// The IVF probing rule: the nprobe nearest lists, then further lists while an allow-list leaves the top-k
    /// unfilled, and every list when the allow-list is so selective that the search should be exact.
    /// </summary>
    public bool ShouldProbe(int rank, int nprobe, bool topIsFull) =>
        rank < nprobe || PrefersExactScan || (IsRestricted && !topIsFull);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Allows(int id) => Allow is null || Allow[id];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool InRange(float distance) => distance >= Lower && distance < Upper;

    /// <summary>No allow-list and no range: what index construction searches with.</summary>
    public static QueryFilter Unrestricted(int count) =>
        new(null, count, count, float.NegativeInfinity, float.PositiveInfinity);

    public static QueryFilter Create(SearchOptions options, MetricType metric, int count)
    {
        var allow = options.Allow;
        if (allow is not null && allow.Length != count)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"the filter bitset covers {allow.Length} rows but the index has {count}");
        }

        var allowedCount = allow?.PopCount() ?? count;
        if (options.Radius is not { } radius)
        {
            if (options.RangeFilter is not null)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, "range_filter requires radius");
            }

            return new QueryFilter(allow, allowedCount, count, float.NegativeInfinity, float.PositiveInfinity);
        }

        if (metric.HigherIsBetter())
        {
            // radius < s <= range_filter  <=>  -range_filter <= -s < -radius
            var rangeFilter = options.RangeFilter ?? float.PositiveInfinity;
            if (rangeFilter <= radius)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid,
                    $"range_filter ({rangeFilter}) must be greater than radius ({radius}) for metric {metric.ToMilvusName()}");
            }

            return new QueryFilter(allow, allowedCount, count, -rangeFilter, -radius);
        }

        var lower = options.RangeFilter ?? float.NegativeInfinity;
        if (lower >= radius)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"range_filter ({lower}) must be less than radius ({radius}) for metric {metric.ToMilvusName()}");
        }

        return new QueryFilter(allow, allowedCount, count, lower, radius);
    }
}
