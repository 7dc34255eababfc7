using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Xunit;
using MilvusStatus = Milvus.Akka.Grpc.Protocol.Common.Status;

namespace Milvus.Akka.Grpc.Tests;

/// <summary>
/// The generated server base and client stub talk over real HTTP/2 on loopback, at Milvus's method paths.
/// </summary>
public sealed class GeneratedServiceTests : IAsyncLifetime
{
    private WebApplication? _server;
    private GrpcChannel? _channel;

    private MilvusService.MilvusServiceClient Client => new(_channel);

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<ConnectAndInsertOnly>();
        _server = builder.Build();
        _server.MapGrpcService<ConnectAndInsertOnly>();
        await _server.StartAsync();

        var address = _server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!
            .Addresses.Single();
        _channel = GrpcChannel.ForAddress(address);
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        if (_server is not null)
            await _server.DisposeAsync();
    }

    [Fact]
    public async Task Connect_reaches_the_server_at_the_milvus_method_path()
    {
        var response = await Client.ConnectAsync(new ConnectRequest { ClientInfo = new ClientInfo { SdkType = "nodejs" } });

        Assert.Equal(ErrorCode.Success, response.Status.ErrorCode);
        Assert.Equal(7L, response.Identifier);
        Assert.Equal("/milvus.proto.milvus.MilvusService/Connect nodejs", response.ServerInfo.BuildTags);
    }

    [Fact]
    public async Task Columnar_insert_round_trips_through_the_generated_messages()
    {
        var request = new InsertRequest
        {
            CollectionName = "books",
            NumRows = 2,
            FieldsData =
            {
                new FieldData
                {
                    FieldName = "id",
                    Type = DataType.Int64,
                    Scalars = new ScalarField { LongData = new LongArray { Data = { 11, 12 } } },
                },
                new FieldData
                {
                    FieldName = "vec",
                    Type = DataType.FloatVector,
                    Vectors = new VectorField { Dim = 2, FloatVector = new FloatArray { Data = { 1f, 2f, 3f, 4f } } },
                },
            },
        };

        var result = await Client.InsertAsync(request);

        Assert.Equal(request, _server!.Services.GetRequiredService<ConnectAndInsertOnly>().LastInsert);
        Assert.Equal(2L, result.InsertCnt);
        Assert.Equal([11L, 12L], result.IDs.IntId.Data);
    }

    [Fact]
    public async Task An_rpc_the_server_does_not_override_is_unimplemented()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () => await Client.SearchAsync(new SearchRequest()));

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    private sealed class ConnectAndInsertOnly : MilvusService.MilvusServiceBase
    {
        public override Task<ConnectResponse> Connect(ConnectRequest request, ServerCallContext context) =>
            Task.FromResult(new ConnectResponse
            {
                Status = new MilvusStatus(),
                Identifier = 7,
                ServerInfo = new ServerInfo { BuildTags = $"{context.Method} {request.ClientInfo.SdkType}" },
            });

        public InsertRequest? LastInsert { get; private set; }

        public override Task<MutationResult> Insert(InsertRequest request, ServerCallContext context)
        {
            LastInsert = request;
            var primaryKeys = request.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data;
            return Task.FromResult(new MutationResult
            {
                Status = new MilvusStatus(),
                InsertCnt = request.NumRows,
                IDs = new IDs { IntId = new LongArray { Data = { primaryKeys } } },
            });
        }
    }
}
