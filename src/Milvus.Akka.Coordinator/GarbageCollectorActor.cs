using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;
using Milvus.Akka.Storage;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// The coordinator's garbage collector: every interval it deletes the objects of dropped collections and segments
/// whose drop is older than the tolerance (<see cref="GarbageRecords"/>), then their records. It runs apart from the
/// catalog, so a big collection's many object deletions never delay DDL, segment bookkeeping or timestamps; the drop
/// itself is recorded where it happens (the catalog for a collection, the segments child for a partition's segments and
/// for segments a compaction replaced), in the step that removes it.
/// </summary>
/// <remarks>
/// Replaced segments are recorded when their compaction commits, but their shard keeps reading them until a query node
/// serves the merged segment, so their objects also wait until no query node reports serving them: each pass asks the
/// segments child what is still live.
/// </remarks>
public sealed class GarbageCollectorActor : ReceiveActor, IWithTimers
{
    /// <summary>The segments child answers from memory; this only bounds a pass when it is restarting.</summary>
    private static readonly TimeSpan LiveDataTimeout = TimeSpan.FromSeconds(30);

    private readonly IMetaStore _meta;
    private readonly IObjectStore _objects;
    private readonly GarbageCollectionSettings _settings;
    private readonly IActorRef _segments;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public GarbageCollectorActor(IMetaStore meta, IObjectStore objects, GarbageCollectionSettings settings, IActorRef segments)
    {
        _meta = meta;
        _objects = objects;
        _settings = settings;
        _segments = segments;
        ReceiveAsync<CollectGarbage>(_ => CollectAsync());
    }

    public static Props Props(IMetaStore meta, IObjectStore objects, GarbageCollectionSettings settings, IActorRef segments) =>
        global::Akka.Actor.Props.Create(() => new GarbageCollectorActor(meta, objects, settings, segments));

    public ITimerScheduler Timers { get; set; } = null!;

    private sealed record CollectGarbage : INoSerializationVerificationNeeded
    {
        public static readonly CollectGarbage Instance = new();
    }

    protected override void PreStart() => ScheduleNextPass();

    /// <summary>The next pass starts an interval after this one ended, so passes never pile up behind a slow one.</summary>
    private void ScheduleNextPass() => Timers.StartSingleTimer(CollectGarbage.Instance, CollectGarbage.Instance, _settings.Interval);

    private async Task CollectAsync()
    {
        try
        {
            var live = await _segments.AskFor<LiveData>(GetLiveData.Instance, LiveDataTimeout);
            var work = GarbageRecords.Due(await _meta.RangeAsync(GarbageRecords.Prefix), DateTimeOffset.UtcNow, _settings.DropTolerance, live);
            var collected = new List<string>();
            foreach (var (recordKey, prefixes) in work)
            {
                if (await DeleteObjectsAsync(recordKey, prefixes))
                {
                    await _meta.DeleteAsync(recordKey);
                    collected.Add(recordKey);
                }
            }

            if (collected.Count > 0)
            {
                _segments.Tell(new SegmentsCollected([.. GarbageRecords.DroppedSegments(collected).Select(s => s.SegmentId)]));
                _log.Info("Garbage collection deleted the objects of {0} dropped collections and segments", collected.Count);
            }
        }
        catch (MilvusException e)
        {
            // Meta storage down is no reason to restart: the records stay, and the next pass retries them.
            _log.Warning(e, "Garbage collection postponed to the next pass");
        }
        finally
        {
            ScheduleNextPass();
        }
    }

    /// <summary>False when an object could not be deleted; the record then stays for the next pass.</summary>
    private async Task<bool> DeleteObjectsAsync(string recordKey, IReadOnlyList<string> prefixes)
    {
        try
        {
            foreach (var prefix in prefixes)
            {
                foreach (var info in await _objects.ListAsync(prefix))
                {
                    await _objects.DeleteAsync(info.Key);
                }
            }

            return true;
        }
        catch (Exception e)
        {
            _log.Warning(e, "Garbage collection of {0} failed, retrying next pass", recordKey);
            return false;
        }
    }
}

/// <summary>Tells the segments child which dropped segments a pass collected, so it stops remembering them as retired (local only).</summary>
public sealed record SegmentsCollected(ImmutableArray<long> SegmentIds) : INoSerializationVerificationNeeded;

/// <summary>Asks the segments child for the <see cref="LiveData"/> a garbage-collection pass must spare (local only).</summary>
public sealed record GetLiveData : INoSerializationVerificationNeeded
{
    public static readonly GetLiveData Instance = new();
}
