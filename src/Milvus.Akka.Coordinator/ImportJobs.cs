using System.Collections.Immutable;
using System.Globalization;
using Milvus.Akka.Common;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// The bulk import jobs the coordinator keeps (<c>imports/{id}</c> in meta storage), as Milvus's data coordinator keeps
/// its import jobs: created pending, reported on by the proxy that runs them, failed when that proxy's node leaves,
/// and forgotten <see cref="Retention"/> after they finished. Pure: every change is a <see cref="Decision{TState}"/>.
/// </summary>
public sealed record ImportJobs(ImmutableSortedDictionary<long, ImportJob> Jobs, TimeSpan Retention)
{
    public const string Prefix = "imports/";

    public static string Key(long jobId) => Prefix + jobId.ToString(CultureInfo.InvariantCulture);

    /// <summary>The jobs read back from meta storage; those finished longer than <paramref name="retention"/> ago are deleted.</summary>
    public static Decision<ImportJobs> Recover(IEnumerable<ImportJob> stored, TimeSpan retention, DateTimeOffset now)
    {
        var jobs = new ImportJobs(stored.ToImmutableSortedDictionary(j => j.JobId, j => j), retention);
        return jobs.Expire(now, []);
    }

    public Decision<ImportJobs> Create(long jobId, CreateImportJob request, DateTimeOffset now)
    {
        var job = new ImportJob(jobId, request.Database, request.CollectionId, request.CollectionName, request.Partition, request.Files, request.Node,
            ImportJobState.Pending, 0, 0, "", now, null) { Snapshot = request.Snapshot };
        return (this with { Jobs = Jobs.Add(jobId, job) }).Expire(now, [Put(job), new Reply(job)]);
    }

    /// <summary>A report of the running proxy. A finished job takes no more reports (its node was given up for gone).</summary>
    public Decision<ImportJobs> Report(ReportImportProgress report, DateTimeOffset now)
    {
        var job = Get(report.JobId);
        if (job.IsFinished)
        {
            throw new MilvusException(ErrorCode.ImportFailed,
                $"import job {job.JobId} is already {job.State.ToString().ToLowerInvariant()}{(job.Reason.Length == 0 ? "" : $": {job.Reason}")}");
        }

        var updated = job with
        {
            State = report.State,
            TotalRows = report.TotalRows,
            ImportedRows = report.ImportedRows,
            Reason = report.Reason,
            Finished = report.State is ImportJobState.Completed or ImportJobState.Failed ? now : null,
        };
        return (this with { Jobs = Jobs.SetItem(job.JobId, updated) }).Expire(now, [Put(updated), new Reply(updated)]);
    }

    /// <summary>Fails every unfinished job run on a node that is not among <paramref name="members"/> (unique addresses).</summary>
    public Decision<ImportJobs> OnlyOn(IReadOnlySet<string> members, DateTimeOffset now) =>
        FailWhere(job => !members.Contains(job.Node), now);

    /// <summary>Fails every unfinished job run on <paramref name="node"/>, which left the cluster.</summary>
    public Decision<ImportJobs> NodeLeft(string node, DateTimeOffset now) => FailWhere(job => job.Node == node, now);

    /// <exception cref="MilvusException">ImportFailed when there is no job <paramref name="jobId"/> (never created, or forgotten).</exception>
    public ImportJob Get(long jobId) => Jobs.TryGetValue(jobId, out var job)
        ? job
        : throw new MilvusException(ErrorCode.ImportFailed, $"import job {jobId} not found");

    public ImportJobList List(ListImportJobs request)
    {
        var jobs = Jobs.Values.Where(j => j.Database == request.Database && (request.CollectionId == 0 || j.CollectionId == request.CollectionId)
            && j.Snapshot.Length > 0 == request.Restores).ToList();
        return new ImportJobList([.. request.Limit > 0 && jobs.Count > request.Limit ? jobs.Skip(jobs.Count - request.Limit) : jobs]);
    }

    /// <summary>
    /// Fails the unfinished jobs <paramref name="lost"/> picks. Its reply lists the collections the failed snapshot
    /// restores created, to drop as Milvus rolls a failed restore back (each only while it is still the one restored).
    /// </summary>
    private Decision<ImportJobs> FailWhere(Func<ImportJob, bool> lost, DateTimeOffset now)
    {
        var failed = Jobs.Values.Where(j => !j.IsFinished && lost(j))
            .Select(j => j with
            {
                State = ImportJobState.Failed, Reason = $"the node {(j.Snapshot.Length > 0 ? "restoring" : "importing")} it left the cluster", Finished = now,
            })
            .ToList();
        ImmutableArray<DropCollection> rollBacks =
            [.. failed.Where(j => j.Snapshot.Length > 0).Select(j => new DropCollection(j.Database, j.CollectionName, j.CollectionId))];
        return new Decision<ImportJobs>(this with { Jobs = Jobs.SetItems(failed.Select(j => KeyValuePair.Create(j.JobId, j))) },
            [.. failed.Select(Put), new Reply(rollBacks)]);
    }

    /// <summary>This state without the jobs finished longer than <see cref="Retention"/> ago, their deletes before <paramref name="effects"/>.</summary>
    private Decision<ImportJobs> Expire(DateTimeOffset now, ImmutableArray<Effect> effects)
    {
        var expired = Jobs.Values.Where(j => j.Finished is { } finished && now - finished > Retention).Select(j => j.JobId).ToList();
        return new Decision<ImportJobs>(this with { Jobs = Jobs.RemoveRange(expired) },
            [.. expired.Select(id => (Effect)new DeleteMeta(Key(id))), .. effects]);
    }

    private static PutMeta Put(ImportJob job) => new(Key(job.JobId), CatalogCodec.Encode(job).ToByteArray());
}
