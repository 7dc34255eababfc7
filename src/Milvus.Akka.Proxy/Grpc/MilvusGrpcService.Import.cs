using System.Globalization;
using Grpc.Core;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using ErrorCode = Milvus.Akka.Common.ErrorCode;
using KeyValuePair = Milvus.Akka.Grpc.Protocol.Common.KeyValuePair;
using ProtoImportState = Milvus.Akka.Grpc.Protocol.Common.ImportState;

namespace Milvus.Akka.Proxy.Grpc;

/// <summary>Bulk import (the SDKs' bulkInsert, getImportState, listImportTasks): a job per request, run by this proxy (<see cref="MilvusProxy.ImportAsync"/>).</summary>
public sealed partial class MilvusGrpcService
{
    /// <summary>Starts a job over the request's files (keys in the cluster's object storage) and answers its id at once.</summary>
    public override async Task<ImportResponse> Import(ImportRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.CollectionName))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "import needs a collection name");
        }

        if (request.ClusteringInfo.Length > 0)
        {
            throw new MilvusException(ErrorCode.OperationNotSupported, "importing with clustering_info is not supported by Milvus.Akka");
        }

        var job = await proxy.ImportAsync(Database(request.DbName, context), request.CollectionName, request.PartitionName, request.Files,
            request.Options.ToDictionary(o => o.Key, o => o.Value), context.CancellationToken);
        return new ImportResponse { Status = MilvusStatuses.Success, Tasks = { job.JobId } };
    }

    public override async Task<GetImportStateResponse> GetImportState(GetImportStateRequest request, ServerCallContext context) =>
        ImportState(await proxy.GetImportJobAsync(request.Task, context.CancellationToken));

    /// <summary>The jobs of the named collection, or of the whole database when none is named, oldest first; a limit keeps the newest.</summary>
    public override async Task<ListImportTasksResponse> ListImportTasks(ListImportTasksRequest request, ServerCallContext context)
    {
        var limit = request.Limit is < 0 or > int.MaxValue ? 0 : (int)request.Limit;
        var jobs = await proxy.ListImportJobsAsync(Database(request.DbName, context), request.CollectionName, limit, context.CancellationToken);
        return new ListImportTasksResponse { Status = MilvusStatuses.Success, Tasks = { jobs.Select(ImportState) } };
    }

    /// <summary>A job as Milvus reports one: its state, the rows written, and what Milvus puts in infos (the reason it failed, progress).</summary>
    private static GetImportStateResponse ImportState(ImportJob job) => new()
    {
        Status = MilvusStatuses.Success,
        State = job.State switch
        {
            ImportJobState.Pending => ProtoImportState.ImportPending,
            ImportJobState.Importing => ProtoImportState.ImportStarted,
            ImportJobState.Completed => ProtoImportState.ImportCompleted,
            _ => ProtoImportState.ImportFailed,
        },
        RowCount = job.ImportedRows,
        Id = job.JobId,
        CollectionId = job.CollectionId,
        CreateTs = job.Created.ToUnixTimeSeconds(),
        Infos =
        {
            new KeyValuePair { Key = "collection", Value = job.CollectionName },
            new KeyValuePair { Key = "partition", Value = job.Partition },
            new KeyValuePair { Key = "files", Value = string.Join(",", job.Files) },
            new KeyValuePair { Key = "failed_reason", Value = job.Reason },
            new KeyValuePair { Key = "progress_percent", Value = ProgressPercent(job).ToString(CultureInfo.InvariantCulture) },
        },
    };

    private static long ProgressPercent(ImportJob job) => job.State switch
    {
        ImportJobState.Completed => 100,
        _ when job.TotalRows == 0 => 0,
        _ => job.ImportedRows * 100 / job.TotalRows,
    };
}
