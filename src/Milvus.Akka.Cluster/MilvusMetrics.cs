using System.Collections.Concurrent;
using System.Diagnostics;
using Prometheus;

namespace Milvus.Akka.Cluster;

/// <summary>
/// The data path's metrics, with Milvus's names where an event here maps to one (milvus_akka_ otherwise), in the
/// process's default registry that every node's /metrics exports. Latencies are in milliseconds, as Milvus's.
/// </summary>
public static class MilvusMetrics
{
    private static readonly double[] Milliseconds = Histogram.ExponentialBuckets(0.25, 2, 20);

    /// <summary>Segments by state: Growing and Sealed as this node's shards hold them, Flushed and Indexed as its query node serves them.</summary>
    public static readonly Gauge SegmentNum = Metrics.CreateGauge("milvus_datacoord_segment_num",
        "Segments by state (Growing, Sealed: in this node's shards; Flushed, Indexed: served by its query node) and shard (channel).",
        "segment_state", "channel_name");

    public static readonly Gauge SegmentRows = Metrics.CreateGauge("milvus_akka_segment_rows",
        "Rows of the segments counted by milvus_datacoord_segment_num, by state and shard (channel).", "segment_state", "channel_name");

    /// <summary>A flush: a sealed segment's files and delete log written to object storage.</summary>
    public static readonly Histogram FlushLatency = Metrics.CreateHistogram("milvus_datanode_save_latency",
        "Time to write a sealed segment to object storage (a flush), in milliseconds.", new HistogramConfiguration { Buckets = Milliseconds });

    public static readonly Histogram IndexBuildLatency = Metrics.CreateHistogram("milvus_indexnode_build_index_latency",
        "Time to build and store the vector index of a segment, in milliseconds.", new HistogramConfiguration { Buckets = Milliseconds });

    public static readonly Histogram CompactionLatency = Metrics.CreateHistogram("milvus_datanode_compaction_latency",
        "Time to merge segments into one (a compaction task), in milliseconds.", new HistogramConfiguration { Buckets = Milliseconds });

    /// <summary>A WAL write: a shard's group of writes handed to the journal until it is durable.</summary>
    public static readonly Histogram WalWriteLatency = Metrics.CreateHistogram("milvus_akka_wal_write_latency",
        "Time for a shard's group of writes to be persisted in the WAL (journal), in milliseconds.", new HistogramConfiguration { Buckets = Milliseconds });

    private static readonly ConcurrentDictionary<string, (string State, string Channel)[]> Published = new();

    /// <summary>Records the time since <paramref name="startedAt"/> (a <see cref="Stopwatch"/> timestamp).</summary>
    public static void ObserveSince(this Histogram histogram, long startedAt) =>
        histogram.Observe(Stopwatch.GetElapsedTime(startedAt).TotalMilliseconds);

    /// <summary>
    /// Publishes the segments one owner (a shard, a query node) holds now, replacing what it published before; an owner
    /// that stops publishes none.
    /// </summary>
    public static void PublishSegments(string owner, IEnumerable<(string State, string Channel, long Rows)> segments)
    {
        var totals = segments.GroupBy(s => (s.State, s.Channel)).ToDictionary(g => g.Key, g => (Count: g.Count(), Rows: g.Sum(s => s.Rows)));
        foreach (var (state, channel) in Published.GetValueOrDefault(owner, []).Where(k => !totals.ContainsKey(k)))
        {
            SegmentNum.RemoveLabelled(state, channel);
            SegmentRows.RemoveLabelled(state, channel);
        }

        foreach (var ((state, channel), (count, rows)) in totals)
        {
            SegmentNum.WithLabels(state, channel).Set(count);
            SegmentRows.WithLabels(state, channel).Set(rows);
        }

        Published[owner] = [.. totals.Keys];
    }
}
