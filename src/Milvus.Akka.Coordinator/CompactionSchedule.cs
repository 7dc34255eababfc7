using System.Collections.Immutable;
using System.Globalization;
using Akka.Actor;
using Milvus.Akka.Common;

namespace Milvus.Akka.Coordinator;

/// <summary>A compaction task the data node at <paramref name="Holder"/> runs, until it reports, its lease runs out or the node leaves.</summary>
public sealed record RunningCompaction(CompactionTask Task, DateTimeOffset Deadline, Address Holder);

/// <summary>
/// Compaction scheduling, pure: small flushed segments of a shard and partition are merged (automatically after a flush,
/// or all of a collection on request) by data nodes. Tasks wait in a queue, run under a lease (an expired one is queued
/// again) and commit through the segments child. Every hand-out gives the task a new target segment id: an attempt
/// whose lease expired, or that a fail-over re-queued, may still be writing, and must neither overwrite the files of
/// the attempt that commits nor commit itself (its result names a target no longer handed out; its files are recorded
/// for garbage collection). Manual compactions are recorded in meta storage
/// (<c>compaction/{id}</c>) so their outcome survives a fail-over; each command or event returns the new state and the
/// effects to perform (<see cref="CompactionActor"/> performs them).
/// </summary>
public sealed record CompactionSchedule(
    CompactionSettings Settings,
    CatalogView Catalog,
    ImmutableDictionary<long, SegmentInfo> Segments,
    ImmutableQueue<CompactionTask> Queue,
    ImmutableDictionary<long, RunningCompaction> Running,
    ImmutableDictionary<long, long> Completed,
    ImmutableDictionary<long, CompactionRecord> Manual)
{
    public const string CompactionPrefix = "compaction/";

    /// <summary>The target of a task not handed out yet.</summary>
    public const long NoTarget = 0;

    /// <summary>How long a finished manual compaction stays queryable (Milvus's dataCoord.compaction.dropTolerance).</summary>
    public static readonly TimeSpan FinishedCompactionRetention = TimeSpan.FromDays(1);

    public static string KeyOf(CompactionRecord record) => CompactionPrefix + record.CompactionId.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The schedule of a new incarnation from the manual compactions a previous one recorded. A plan still executing
    /// then either committed (its target is a flushed segment), or runs again when its inputs are all still there, or
    /// failed.
    /// </summary>
    public static Decision<CompactionSchedule> Recover(
        CompactionSettings settings, CatalogView catalog, SegmentView segments, IEnumerable<CompactionRecord> records, DateTimeOffset now)
    {
        var manual = records.ToImmutableDictionary(r => r.CompactionId);
        var state = new CompactionSchedule(settings, catalog, segments.Segments, [], ImmutableDictionary<long, RunningCompaction>.Empty,
            ImmutableDictionary<long, long>.Empty, manual);
        var effects = ImmutableArray.CreateBuilder<Effect>();
        foreach (var record in manual.Values.OrderBy(r => r.CompactionId))
        {
            foreach (var plan in record.Plans.Where(p => p.State == CompactionPlanState.Executing))
            {
                if (state.Segments.ContainsKey(plan.Target))
                {
                    state = state.PlanOutcome(plan.PlanId, CompactionPlanState.Completed, now, effects);
                }
                else if (catalog.Collections.TryGetValue(record.CollectionId, out var collection) && plan.Sources.All(state.Segments.ContainsKey))
                {
                    // With its last target: the next hand-out records that attempt's files as garbage.
                    state = state with
                    {
                        Queue = state.Queue.Enqueue(new CompactionTask(plan.PlanId, collection.Schema, [.. plan.Sources.Select(id => state.Segments[id])], plan.Target,
                            CollectionTtl.Of(collection.Properties), collection.TruncatedBefore)),
                    };
                }
                else
                {
                    state = state.PlanOutcome(plan.PlanId, CompactionPlanState.Failed, now, effects);
                }
            }
        }

        return new Decision<CompactionSchedule>(state, effects.ToImmutable());
    }

    public CompactionSchedule WithCatalog(CatalogView view) => view.Version < Catalog.Version ? this : this with { Catalog = view };

    public CompactionSchedule WithSegments(SegmentView view) => this with { Segments = view.Segments };

    /// <summary>
    /// The merges <see cref="CompactionPlanner"/> picks among the collection's segments that no task holds. A requested
    /// compaction of an unknown collection is refused; an automatic one of a collection without automatic compaction
    /// plans nothing.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<SegmentInfo>> Plan(long collectionId, bool automatic, long targetSizeMb = 0)
    {
        if (!Catalog.Collections.ContainsKey(collectionId))
        {
            return automatic ? [] : throw new MilvusException(ErrorCode.CollectionNotFound, $"collection {collectionId} not found");
        }

        if (automatic && !Settings.Auto)
        {
            return [];
        }

        var busy = Queue.Concat(Running.Values.Select(r => r.Task)).SelectMany(t => t.Inputs).Select(s => s.SegmentId).ToHashSet();
        var candidates = Segments.Values.Where(s => s.CollectionId == collectionId && !busy.Contains(s.SegmentId)).OrderBy(s => s.SegmentId);
        return targetSizeMb != 0
            ? CompactionPlanner.PlanToSize(candidates, Settings, Catalog.Collections[collectionId].Schema, targetSizeMb)
            : CompactionPlanner.Plan(candidates, Settings, onlySmall: automatic);
    }

    /// <summary>The number of ids <see cref="Enqueue"/> takes for <paramref name="groups"/>: a task id each (targets come with each hand-out).</summary>
    public static int IdsFor(IReadOnlyList<IReadOnlyList<SegmentInfo>> groups) => groups.Count;

    /// <summary>Queues a task for each group, with ids from <paramref name="firstId"/> on (unique across incarnations), and no target yet.</summary>
    public Decision<CompactionSchedule> Enqueue(IReadOnlyList<IReadOnlyList<SegmentInfo>> groups, long firstId)
    {
        if (groups.Count == 0)
        {
            return this;
        }

        var queue = Queue;
        for (var i = 0; i < groups.Count; i++)
        {
            var collection = Catalog.Collections[groups[i][0].CollectionId];
            queue = queue.Enqueue(new CompactionTask(firstId + i, collection.Schema, [.. groups[i]], NoTarget, CollectionTtl.Of(collection.Properties),
                collection.TruncatedBefore));
        }

        return new Decision<CompactionSchedule>(this with { Queue = queue }, [AnnounceWork.Instance]);
    }

    /// <summary>A requested compaction: its groups are queued and recorded as one manual compaction, so its outcome survives a fail-over.</summary>
    public Decision<CompactionSchedule> Requested(long compactionId, long collectionId, IReadOnlyList<IReadOnlyList<SegmentInfo>> groups, long firstTaskId)
    {
        var queued = Enqueue(groups, firstTaskId);
        var record = new CompactionRecord(compactionId, collectionId,
            [.. groups.Select((g, i) => new CompactionPlan(firstTaskId + i, [.. g.Select(s => s.SegmentId)], NoTarget, CompactionPlanState.Executing))],
            null);
        return new Decision<CompactionSchedule>(
            queued.State with { Manual = Manual.SetItem(compactionId, record) },
            [new PutMeta(KeyOf(record), CompactionCodec.Encode(record).ToByteArray()), .. queued.Effects]);
    }

    /// <summary>Forgets the manual compactions finished longer than the retention ago.</summary>
    public Decision<CompactionSchedule> ForgetExpired(DateTimeOffset now)
    {
        var expired = Manual.Values.Where(r => r.FinishedAt < now - FinishedCompactionRetention).ToList();
        return new Decision<CompactionSchedule>(
            this with { Manual = Manual.RemoveRange(expired.Select(r => r.CompactionId)) },
            [.. expired.Select(r => new DeleteMeta(KeyOf(r)))]);
    }

    /// <summary>Whether <see cref="NextTask"/> may hand out a task (so its caller allocates a target id for it).</summary>
    public bool HasTaskToHandOut(DateTimeOffset now) => !Queue.IsEmpty || Running.Values.Any(r => r.Deadline < now);

    /// <summary>
    /// The next task for a data node (<see cref="NoTask"/> when none), with <paramref name="target"/> (a fresh id) as its
    /// target: tasks whose lease expired are queued again, the files an earlier hand-out of the task may have written
    /// are recorded for garbage collection, and a task whose inputs were dropped meanwhile (collection or partition
    /// dropped) is moot and fails.
    /// </summary>
    public (Decision<CompactionSchedule> Decision, object Task) NextTask(Address holder, DateTimeOffset now, long target)
    {
        var state = Requeue(Running.Values.Where(r => r.Deadline < now).ToList());
        var effects = ImmutableArray.CreateBuilder<Effect>();
        while (!state.Queue.IsEmpty)
        {
            var task = state.Queue.Peek();
            state = state with { Queue = state.Queue.Dequeue() };
            if (task.Inputs.All(s => state.Segments.ContainsKey(s.SegmentId)))
            {
                if (task.TargetSegmentId != NoTarget)
                {
                    effects.Add(new PutMeta(GarbageRecords.DroppedSegment(task.Inputs[0] with { SegmentId = task.TargetSegmentId }), GarbageRecords.DropTime(now)));
                }

                task = task with { TargetSegmentId = target };
                state = state.PlanTarget(task.TaskId, target, effects) with
                {
                    Running = state.Running.SetItem(task.TaskId, new RunningCompaction(task, now + Settings.TaskLease, holder)),
                };
                return (new Decision<CompactionSchedule>(state, effects.ToImmutable()), task);
            }

            state = state.PlanOutcome(task.TaskId, CompactionPlanState.Failed, now, effects);
        }

        return (new Decision<CompactionSchedule>(state, effects.ToImmutable()), NoTask.Instance);
    }

    /// <summary>
    /// A data node finished a task, merged into <paramref name="resultSegmentId"/> (null when no row survived): it leaves
    /// the running ones. The result may commit only while its lease runs (shards keep the deletes a merge may lack only
    /// for a bounded time longer than the lease, milvus.streaming.compaction-delete-hold); an expired task is queued
    /// again and its result refused. A result of an earlier hand-out (another target) is refused and the task runs on.
    /// </summary>
    public (CompactionSchedule State, CompactionTask? Accepted) Completing(long taskId, long? resultSegmentId, DateTimeOffset now)
    {
        if (Attempt(taskId, resultSegmentId) is not { } running)
        {
            return (this, null);
        }

        var state = this with { Running = Running.Remove(taskId) };
        return running.Deadline < now
            ? (state with { Queue = state.Queue.Enqueue(running.Task) }, null)
            : (state, running.Task);
    }

    /// <summary>
    /// The running hand-out of task <paramref name="taskId"/> that merges into <paramref name="targetSegmentId"/> (any,
    /// when null); null when the task is not running or that target belongs to a superseded hand-out.
    /// </summary>
    public RunningCompaction? Attempt(long taskId, long? targetSegmentId) =>
        Running.TryGetValue(taskId, out var running) && (targetSegmentId is not { } target || target == running.Task.TargetSegmentId) ? running : null;

    /// <summary>
    /// The node at <paramref name="node"/> left the cluster: the tasks it ran are queued again at once instead of after
    /// their lease (a result it may still send is refused: the task is no longer running under its id).
    /// </summary>
    public CompactionSchedule NodeLeft(Address node) => Requeue(Running.Values.Where(r => r.Holder.Equals(node)).ToList());

    private CompactionSchedule Requeue(IReadOnlyList<RunningCompaction> tasks) => this with
    {
        Running = Running.RemoveRange(tasks.Select(r => r.Task.TaskId)),
        Queue = tasks.Aggregate(Queue, (queue, r) => queue.Enqueue(r.Task)),
    };

    /// <summary>The segments child committed the merge of <paramref name="task"/>.</summary>
    public Decision<CompactionSchedule> Committed(CompactionTask task, DateTimeOffset now)
    {
        var collectionId = task.Inputs[0].CollectionId;
        var effects = ImmutableArray.CreateBuilder<Effect>();
        var state = (this with { Completed = Completed.SetItem(collectionId, Completed.GetValueOrDefault(collectionId) + 1) })
            .PlanOutcome(task.TaskId, CompactionPlanState.Completed, now, effects);
        return new Decision<CompactionSchedule>(state, effects.ToImmutable());
    }

    /// <summary>A task failed on its data node, or its result could not commit: its plan (if manual) is marked failed.</summary>
    public Decision<CompactionSchedule> Failed(long taskId, DateTimeOffset now)
    {
        var effects = ImmutableArray.CreateBuilder<Effect>();
        var state = (this with { Running = Running.Remove(taskId) }).PlanOutcome(taskId, CompactionPlanState.Failed, now, effects);
        return new Decision<CompactionSchedule>(state, effects.ToImmutable());
    }

    /// <summary>An unknown (or expired) compaction has no plans, which Milvus reports as completed.</summary>
    public CompactionDescribed Describe(long compactionId) =>
        new(Manual.GetValueOrDefault(compactionId) ?? new CompactionRecord(compactionId, 0, [], null));

    public CompactionState StateOf(long collectionId) => new(
        Queue.Count(t => t.Inputs[0].CollectionId == collectionId),
        Running.Values.Count(r => r.Task.Inputs[0].CollectionId == collectionId),
        Completed.GetValueOrDefault(collectionId));

    /// <summary>Records the target a manual compaction's plan was handed out with (a fail-over finds it committed by it).</summary>
    private CompactionSchedule PlanTarget(long planId, long target, ImmutableArray<Effect>.Builder effects) =>
        ChangePlan(planId, record => record.WithPlanTarget(planId, target), effects);

    /// <summary>Marks the plan of a manual compaction; automatic compactions have no record.</summary>
    private CompactionSchedule PlanOutcome(long planId, CompactionPlanState outcome, DateTimeOffset now, ImmutableArray<Effect>.Builder effects) =>
        ChangePlan(planId, record => record.WithPlanState(planId, outcome, now), effects);

    /// <summary>The manual compaction executing plan <paramref name="planId"/>, changed and written; automatic compactions have no record.</summary>
    private CompactionSchedule ChangePlan(long planId, Func<CompactionRecord, CompactionRecord> change, ImmutableArray<Effect>.Builder effects)
    {
        if (Manual.Values.FirstOrDefault(r => r.Plans.Any(p => p.PlanId == planId && p.State == CompactionPlanState.Executing)) is not { } record)
        {
            return this;
        }

        var updated = change(record);
        effects.Add(new PutMeta(KeyOf(updated), CompactionCodec.Encode(updated).ToByteArray()));
        return this with { Manual = Manual.SetItem(updated.CompactionId, updated) };
    }
}
