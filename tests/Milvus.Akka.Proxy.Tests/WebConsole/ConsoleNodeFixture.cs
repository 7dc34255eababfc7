using System.Text;
using Grpc.Core;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.TestSupport;

namespace Milvus.Akka.Proxy.Tests.WebConsole;

/// <summary>
/// One standalone node with authorization on, shared by the console's API and browser tests: its management port
/// serves the console; every read or write counts as slow (threshold 0), so the slow request list fills.
/// </summary>
public sealed class ConsoleNodeFixture : IAsyncLifetime
{
    public const string Name = "web console node";
    public const int Dim = 4;
    public const string RootPassword = "Milvus";

    private StandaloneGrpcNode? _node;
    private long _nextId;

    public StandaloneGrpcNode Node => _node!;

    public MilvusService.MilvusServiceClient Client => Node.Client;

    public Uri ConsoleBase => new($"http://127.0.0.1:{Node.Node.ManagementPort}");

    public static Metadata Root => Token("root:" + RootPassword);

    public async Task InitializeAsync() => _node = await StandaloneGrpcNode.StartAsync("""
        milvus.security.authorization-enabled = on
        milvus.proxy.console.slow-request-threshold = 0s
        """);

    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }
    }

    public static Metadata Token(string token) => new() { { "authorization", Base64(token) } };

    public static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>Inserts rows with fresh primary keys (unique across the tests sharing the node) as root.</summary>
    public async Task InsertAsync(string collection, int rows)
    {
        var ids = Enumerable.Range(0, rows).Select(_ => Interlocked.Increment(ref _nextId)).ToList();
        var vectors = new FloatArray();
        vectors.Data.Add(ids.SelectMany(id => Enumerable.Range(0, Dim).Select(d => (float)(id * Dim + d))));
        var response = await Client.InsertAsync(new InsertRequest
        {
            CollectionName = collection,
            NumRows = (uint)rows,
            FieldsData =
            {
                new FieldData { FieldName = "id", Type = DataType.Int64, Scalars = new ScalarField { LongData = new LongArray { Data = { ids } } } },
                new FieldData { FieldName = "vec", Type = DataType.FloatVector, Vectors = new VectorField { Dim = Dim, FloatVector = vectors } },
            },
        }, Root);
        MilvusRpc.Succeeded(response.Status);
        Assert.Equal(rows, response.InsertCnt);
    }
}

[CollectionDefinition(ConsoleNodeFixture.Name)]
public sealed class ConsoleNodeCollection : ICollectionFixture<ConsoleNodeFixture>;
