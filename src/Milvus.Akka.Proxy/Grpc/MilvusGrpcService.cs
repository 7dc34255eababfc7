using Grpc.Core;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using ErrorCode = Milvus.Akka.Common.ErrorCode;
using MilvusException = Milvus.Akka.Common.MilvusException;
using MilvusStatus = Milvus.Akka.Grpc.Protocol.Common.Status;
using Timestamptz = Milvus.Akka.Common.Timestamptz;

namespace Milvus.Akka.Proxy.Grpc;

/// <summary>
/// milvus.proto.milvus.MilvusService over <see cref="MilvusProxy"/>: requests are translated to the proxy's API and
/// its results back to the wire. Failures are thrown as <see cref="MilvusException"/> and become statuses in
/// <see cref="MilvusStatusInterceptor"/>, which also answers every rpc not overridden here with "not supported".
/// </summary>
public sealed partial class MilvusGrpcService(MilvusProxy proxy, ServerInfoOptions serverInfo) : MilvusService.MilvusServiceBase
{
    /// <summary>The Milvus release whose API this server speaks; SDKs and tools compare it.</summary>
    public const string MilvusVersion = "v2.6.17";

    private const string DatabaseHeader = "dbname";

    /// <summary>The request's database: its db_name field, else the SDKs' dbname header, else the default database.</summary>
    internal static string Database(string requestDatabase, ServerCallContext context) =>
        !string.IsNullOrEmpty(requestDatabase) ? requestDatabase
        : context.RequestHeaders.GetValue(DatabaseHeader) is { Length: > 0 } header ? header
        : DatabaseInfo.DefaultName;

    // Session and health.

    public override async Task<ConnectResponse> Connect(ConnectRequest request, ServerCallContext context)
    {
        // A TSO timestamp is unique across proxies and never zero (SDKs treat 0 as a pre-2.2.9 server).
        var identifier = (long)await proxy.AllocateTimestampAsync(context.CancellationToken);
        return new ConnectResponse
        {
            Status = MilvusStatuses.Success,
            Identifier = identifier,
            ServerInfo = new ServerInfo { BuildTags = MilvusVersion, DeployMode = serverInfo.DeployMode, Reserved = { ["server"] = "Milvus.Akka" } },
        };
    }

    public override Task<GetVersionResponse> GetVersion(GetVersionRequest request, ServerCallContext context) =>
        Task.FromResult(new GetVersionResponse { Status = MilvusStatuses.Success, Version = MilvusVersion });

    /// <summary>Healthy when the coordinator answers: every other request depends on it.</summary>
    public override async Task<CheckHealthResponse> CheckHealth(CheckHealthRequest request, ServerCallContext context)
    {
        var response = new CheckHealthResponse { Status = MilvusStatuses.Success, IsHealthy = true };
        try
        {
            await proxy.AllocateTimestampAsync(context.CancellationToken);
        }
        catch (MilvusException e)
        {
            response.IsHealthy = false;
            response.Reasons.Add($"the coordinator does not answer: {e.Message}");
        }

        return response;
    }

    public override Task<ComponentStates> GetComponentStates(GetComponentStatesRequest request, ServerCallContext context) =>
        Task.FromResult(new ComponentStates
        {
            Status = MilvusStatuses.Success,
            State = new ComponentInfo { Role = "Proxy", StateCode = StateCode.Healthy },
        });

    public override async Task<AllocTimestampResponse> AllocTimestamp(AllocTimestampRequest request, ServerCallContext context) =>
        new() { Status = MilvusStatuses.Success, Timestamp = await proxy.AllocateTimestampAsync(context.CancellationToken) };

    // Databases.

    public override async Task<MilvusStatus> CreateDatabase(CreateDatabaseRequest request, ServerCallContext context)
    {
        var properties = SchemaConverter.ToDictionary(request.Properties);
        Timestamptz.ZoneOf(properties); // its collections inherit the zone, so an unknown one is refused before it is stored
        await proxy.CreateDatabaseAsync(request.DbName, properties, context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<MilvusStatus> DropDatabase(DropDatabaseRequest request, ServerCallContext context)
    {
        await proxy.DropDatabaseAsync(request.DbName, context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<MilvusStatus> AlterDatabase(AlterDatabaseRequest request, ServerCallContext context)
    {
        var properties = SchemaConverter.ToDictionary(request.Properties);
        Timestamptz.ZoneOf(properties);
        await proxy.AlterDatabaseAsync(request.DbName, properties, [.. request.DeleteKeys], context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<ListDatabasesResponse> ListDatabases(ListDatabasesRequest request, ServerCallContext context)
    {
        var response = new ListDatabasesResponse { Status = MilvusStatuses.Success };
        foreach (var database in await proxy.ListDatabasesAsync(context.CancellationToken))
        {
            response.DbNames.Add(database.Name);
            response.DbIds.Add(database.Id);
            response.CreatedTimestamp.Add(database.CreatedTimestamp);
        }

        return response;
    }

    public override async Task<DescribeDatabaseResponse> DescribeDatabase(DescribeDatabaseRequest request, ServerCallContext context)
    {
        var name = Database(request.DbName, context);
        var database = (await proxy.ListDatabasesAsync(context.CancellationToken)).FirstOrDefault(d => d.Name == name)
            ?? throw new MilvusException(ErrorCode.DatabaseNotFound, $"database not found[database={name}]");
        var response = new DescribeDatabaseResponse
        {
            Status = MilvusStatuses.Success,
            DbName = database.Name,
            DbID = database.Id,
            CreatedTimestamp = database.CreatedTimestamp,
        };
        response.Properties.Add(SchemaConverter.ToPairs(database.Properties));
        return response;
    }
}
