using System.Text.Json.Nodes;
using Milvus.Akka.Grpc.Protocol.Milvus;

namespace Milvus.Akka.Proxy.Rest;

/// <summary>Milvus 3.0's collection snapshots: create, describe, list and drop, keyed by <c>snapshotName</c>.</summary>
internal static partial class RestEndpoints
{
    private static Task<JsonNode?> CreateSnapshotAsync(RestCall call) => call.NoDataAsync(new CreateSnapshotRequest
    {
        DbName = call.Database,
        CollectionName = call.String("collectionName"),
        Name = call.String("snapshotName"),
        Description = call.OptionalString("description") ?? "",
        CompactionProtectionSeconds = call.OptionalInteger("compactionProtectionSeconds") ?? 0,
    }, call.Service.CreateSnapshot);

    private static Task<JsonNode?> DropSnapshotAsync(RestCall call) => call.NoDataAsync(new DropSnapshotRequest
    {
        DbName = call.Database,
        CollectionName = call.OptionalString("collectionName") ?? "",
        Name = call.String("snapshotName"),
    }, call.Service.DropSnapshot);

    private static async Task<JsonNode?> ListSnapshotsAsync(RestCall call) =>
        Strings((await call.RunAsync(new ListSnapshotsRequest { DbName = call.Database, CollectionName = call.OptionalString("collectionName") ?? "" },
            call.Service.ListSnapshots)).Snapshots);

    private static async Task<JsonNode?> DescribeSnapshotAsync(RestCall call)
    {
        var snapshot = await call.RunAsync(new DescribeSnapshotRequest
        {
            DbName = call.Database,
            CollectionName = call.OptionalString("collectionName") ?? "",
            Name = call.String("snapshotName"),
        }, call.Service.DescribeSnapshot);
        return new JsonObject
        {
            ["snapshotName"] = snapshot.Name,
            ["description"] = snapshot.Description,
            ["collectionName"] = snapshot.CollectionName,
            ["partitionNames"] = Strings(snapshot.PartitionNames),
            ["createTs"] = call.Int64(snapshot.CreateTs),
            ["s3Location"] = snapshot.S3Location,
        };
    }
}
