using Grpc.Core;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using ErrorCode = Milvus.Akka.Common.ErrorCode;
using Status = Milvus.Akka.Grpc.Protocol.Common.Status;

namespace Milvus.Akka.Proxy.Grpc;

/// <summary>Collection snapshots (Milvus 3.0): see <see cref="MilvusProxy.CreateSnapshotAsync"/> for what one holds.</summary>
public sealed partial class MilvusGrpcService
{
    public override async Task<Status> CreateSnapshot(CreateSnapshotRequest request, ServerCallContext context)
    {
        await proxy.CreateSnapshotAsync(Database(request.DbName, context), request.CollectionName, request.Name, request.Description,
            request.CompactionProtectionSeconds, context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<DescribeSnapshotResponse> DescribeSnapshot(DescribeSnapshotRequest request, ServerCallContext context)
    {
        var snapshot = await proxy.DescribeSnapshotAsync(Database(request.DbName, context), request.CollectionName, request.Name, context.CancellationToken);
        return new DescribeSnapshotResponse
        {
            Status = MilvusStatuses.Success,
            Name = snapshot.Name,
            Description = snapshot.Description,
            CollectionName = snapshot.Collection.Name,
            PartitionNames = { snapshot.Collection.Partitions.Select(p => p.Name) },
            CreateTs = (long)snapshot.Timestamp,
            S3Location = Storage.ObjectPaths.SnapshotPrefix(snapshot.Collection.Id, snapshot.SnapshotId),
        };
    }

    public override async Task<ListSnapshotsResponse> ListSnapshots(ListSnapshotsRequest request, ServerCallContext context)
    {
        var snapshots = await proxy.ListSnapshotsAsync(Database(request.DbName, context), request.CollectionName, context.CancellationToken);
        return new ListSnapshotsResponse { Status = MilvusStatuses.Success, Snapshots = { snapshots.Select(s => s.Name) } };
    }

    public override async Task<Status> DropSnapshot(DropSnapshotRequest request, ServerCallContext context)
    {
        await proxy.DropSnapshotAsync(Database(request.DbName, context), request.CollectionName, request.Name, context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<PinSnapshotDataResponse> PinSnapshotData(PinSnapshotDataRequest request, ServerCallContext context) => new()
    {
        Status = MilvusStatuses.Success,
        PinId = await proxy.PinSnapshotAsync(Database(request.DbName, context), request.CollectionName, request.Name, request.TtlSeconds,
            context.CancellationToken),
    };

    public override async Task<Status> UnpinSnapshotData(UnpinSnapshotDataRequest request, ServerCallContext context)
    {
        await proxy.UnpinSnapshotAsync(request.PinId, context.CancellationToken);
        return MilvusStatuses.Success;
    }

    /// <summary>
    /// Creates the target collection at once and answers the id of the job writing the rows into it. Every restore
    /// rewrites the rows (what rewrite_data asks for); Milvus's default copies segment files, with the same result.
    /// </summary>
    public override async Task<RestoreSnapshotResponse> RestoreSnapshot(RestoreSnapshotRequest request, ServerCallContext context)
    {
        var job = await proxy.RestoreSnapshotAsync(Database(request.DbName, context), request.CollectionName, request.Name,
            request.TargetDbName, request.TargetCollectionName, context.CancellationToken);
        return new RestoreSnapshotResponse { Status = MilvusStatuses.Success, JobId = job.JobId };
    }

    public override async Task<GetRestoreSnapshotStateResponse> GetRestoreSnapshotState(GetRestoreSnapshotStateRequest request, ServerCallContext context) =>
        new() { Status = MilvusStatuses.Success, Info = RestoreInfo(await proxy.GetRestoreJobAsync(request.JobId, context.CancellationToken)) };

    public override async Task<ListRestoreSnapshotJobsResponse> ListRestoreSnapshotJobs(ListRestoreSnapshotJobsRequest request, ServerCallContext context)
    {
        var jobs = await proxy.ListRestoreJobsAsync(Database(request.DbName, context), request.CollectionName, context.CancellationToken);
        return new ListRestoreSnapshotJobsResponse { Status = MilvusStatuses.Success, Jobs = { jobs.Select(RestoreInfo) } };
    }

    public override Task<ExportSnapshotResponse> ExportSnapshot(ExportSnapshotRequest request, ServerCallContext context) =>
        throw new MilvusException(ErrorCode.OperationNotSupported,
            "exporting a snapshot to an external location is not supported by Milvus.Akka; restore it into a collection instead");

    public override Task<RestoreExternalSnapshotResponse> RestoreExternalSnapshot(RestoreExternalSnapshotRequest request, ServerCallContext context) =>
        throw new MilvusException(ErrorCode.OperationNotSupported,
            "restoring an exported snapshot is not supported by Milvus.Akka: only snapshots taken by this cluster can be restored");

    /// <summary>A restore job as Milvus reports one; times in Unix milliseconds.</summary>
    private static RestoreSnapshotInfo RestoreInfo(ImportJob job) => new()
    {
        JobId = job.JobId,
        SnapshotName = job.Snapshot,
        DbName = job.Database,
        CollectionName = job.CollectionName,
        State = job.State switch
        {
            ImportJobState.Pending => RestoreSnapshotState.RestoreSnapshotPending,
            ImportJobState.Importing => RestoreSnapshotState.RestoreSnapshotExecuting,
            ImportJobState.Completed => RestoreSnapshotState.RestoreSnapshotCompleted,
            _ => RestoreSnapshotState.RestoreSnapshotFailed,
        },
        Progress = (int)ProgressPercent(job),
        Reason = job.Reason,
        StartTime = (ulong)job.Created.ToUnixTimeMilliseconds(),
        TimeCost = (ulong)((job.Finished ?? DateTimeOffset.UtcNow) - job.Created).TotalMilliseconds,
    };
}
