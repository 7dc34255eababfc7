using System.Collections.Immutable;
using Akka.Cluster;

namespace Milvus.Akka.Coordinator;

/// <summary>Where a bulk import stands; Milvus's ImportState is mapped from it at the gRPC edge.</summary>
public enum ImportJobState
{
    /// <summary>Accepted; the proxy has not started reading its files.</summary>
    Pending = 0,

    /// <summary>The proxy is reading and checking the files, then inserting their rows.</summary>
    Importing = 1,

    /// <summary>Every row is written, acknowledged by the WAL and flushed.</summary>
    Completed = 2,

    /// <summary>Stopped with <see cref="ImportJob.Reason"/>.</summary>
    Failed = 3,
}

/// <summary>
/// A bulk import (Milvus's Import rpc): files in the cluster's object storage inserted into one collection by the proxy
/// on <paramref name="Node"/>, which accepted it. The coordinator keeps it in meta storage (<c>imports/{id}</c>).
/// </summary>
/// <param name="Partition">The partition the rows go to; empty: the default one, or by partition key.</param>
/// <param name="Node">The address of the node whose proxy runs the import: the job fails when that node leaves.</param>
/// <param name="TotalRows">The rows the files hold, known once every file is read and checked (0 before).</param>
/// <param name="Finished">When it completed or failed.</param>
public sealed record ImportJob(
    long JobId,
    string Database,
    long CollectionId,
    string CollectionName,
    string Partition,
    ImmutableArray<string> Files,
    string Node,
    ImportJobState State,
    long TotalRows,
    long ImportedRows,
    string Reason,
    DateTimeOffset Created,
    DateTimeOffset? Finished) : ICoordinatorMessage
{
    public bool IsFinished => State is ImportJobState.Completed or ImportJobState.Failed;

    /// <summary>The snapshot a RestoreSnapshot job restores into the collection (its files are the snapshot's segments); empty for a bulk import.</summary>
    public string Snapshot { get; init; } = "";

    /// <summary>How <paramref name="Node"/> names a node: its address and incarnation, so a process restarted on the same port is another node.</summary>
    public static string NodeName(UniqueAddress node) => $"{node.Address}#{node.Uid}";
}

/// <summary>Records a new import job, pending; replies the <see cref="ImportJob"/>.</summary>
public sealed record CreateImportJob(string Database, long CollectionId, string CollectionName, string Partition, ImmutableArray<string> Files,
    string Node) : ICoordinatorMessage
{
    /// <summary>A RestoreSnapshot job: the snapshot restored (see <see cref="ImportJob.Snapshot"/>).</summary>
    public string Snapshot { get; init; } = "";
}

/// <summary>The running proxy's report on its job; replies the updated <see cref="ImportJob"/>, or fails for a job already finished.</summary>
public sealed record ReportImportProgress(long JobId, ImportJobState State, long TotalRows, long ImportedRows, string Reason) : ICoordinatorMessage;

/// <summary>Replies the <see cref="ImportJob"/>, or fails with ImportFailed when there is none by that id.</summary>
public sealed record GetImportJob(long JobId) : ICoordinatorMessage;

/// <summary>The import jobs of a database, or of one collection in it (<paramref name="CollectionId"/> 0: all), oldest first;
/// <paramref name="Limit"/> above 0 keeps the newest that many. Replies <see cref="ImportJobList"/>.</summary>
/// <param name="Restores">The RestoreSnapshot jobs instead of the bulk imports.</param>
public sealed record ListImportJobs(string Database, long CollectionId, int Limit, bool Restores = false) : ICoordinatorMessage;

public sealed record ImportJobList(ImmutableArray<ImportJob> Jobs) : ICoordinatorMessage;
