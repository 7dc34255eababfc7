using System.Globalization;
using System.Net;
using Akka.Actor;
using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.Server;
using Milvus.Akka.Storage;
using Milvus.Akka.TestSupport;
using Prometheus;
using KeyValuePair = Milvus.Akka.Grpc.Protocol.Common.KeyValuePair;
using ProtoSearchRequest = Milvus.Akka.Grpc.Protocol.Milvus.SearchRequest;
using static Milvus.Akka.TestSupport.MilvusRpc;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>The per-node HTTP endpoint: /healthz for probes and /metrics in the Prometheus text format, moving under load.</summary>
public sealed class ManagementEndpointTests : IAsyncLifetime
{
    private const int Dim = 4;
    private const int Rows = 30;
    private readonly HttpClient _http = new();
    private StandaloneGrpcNode? _node;

    private MilvusService.MilvusServiceClient Client => _node!.Client;

    public async Task InitializeAsync() => _node = await StandaloneGrpcNode.StartAsync("");

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }
    }

    [Fact]
    public async Task Healthz_answers_200_once_the_node_is_up()
    {
        var response = await _http.GetAsync($"http://127.0.0.1:{_node!.Node.ManagementPort}/healthz");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Contains("is Up with roles", body);
    }

    [Fact]
    public async Task Healthz_answers_503_with_the_reason_until_the_roles_have_started()
    {
        using var system = ActorSystem.Create("health-probe", "akka.loglevel = WARNING");
        await using var meta = SqliteMetaStore.Open(Path.Combine(_node!.DataDir, "probe-meta.db"));
        var health = new NodeHealth(system, meta);
        await using var server = await ManagementServer.StartAsync(new ManagementSettings("127.0.0.1", 0), health, Metrics.NewCustomRegistry(),
            system.Log, CancellationToken.None);
        var response = await _http.GetAsync($"http://127.0.0.1:{server!.Port}/healthz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("starting", await response.Content.ReadAsStringAsync());

        await system.Terminate();
        health.MarkStarted();
        var terminated = await _http.GetAsync($"http://127.0.0.1:{server.Port}/healthz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, terminated.StatusCode);
        Assert.Contains("terminated", await terminated.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Metrics_count_rpcs_rows_and_vectors_as_they_are_served()
    {
        const string collection = "metered";
        await _node!.CreateLoadedCollectionAsync(collection, Dim);
        var before = await ScrapeAsync();

        var ids = Enumerable.Range(0, Rows).Select(i => (long)i).ToList();
        var vectors = new FloatArray();
        vectors.Data.Add(ids.SelectMany(id => Enumerable.Range(0, Dim).Select(d => (float)(id + d))));
        Succeeded((await Client.InsertAsync(new InsertRequest
        {
            CollectionName = collection,
            NumRows = Rows,
            FieldsData =
            {
                new FieldData { FieldName = "id", Type = DataType.Int64, Scalars = new ScalarField { LongData = new LongArray { Data = { ids } } } },
                new FieldData { FieldName = "vec", Type = DataType.FloatVector, Vectors = new VectorField { Dim = Dim, FloatVector = vectors } },
            },
        })).Status);
        const int nq = 2;
        var placeholder = new PlaceholderValue { Tag = "$0", Type = PlaceholderType.FloatVector };
        for (var q = 0; q < nq; q++)
        {
            placeholder.Values.Add(ByteString.CopyFrom([.. Enumerable.Range(0, Dim).SelectMany(d => BitConverter.GetBytes((float)(q + d)))]));
        }

        var search = await Client.SearchAsync(new ProtoSearchRequest
        {
            CollectionName = collection,
            PlaceholderGroup = new PlaceholderGroup { Placeholders = { placeholder } }.ToByteString(),
            Nq = nq,
            DslType = DslType.BoolExprV1,
            SearchParams =
            {
                new KeyValuePair { Key = "topk", Value = "3" },
                new KeyValuePair { Key = "anns_field", Value = "vec" },
                new KeyValuePair { Key = "metric_type", Value = "L2" },
            },
        });
        Succeeded(search.Status);
        var failed = await Client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = "no_such_collection" });
        Assert.NotEqual(0, failed.Status.Code);

        var after = await ScrapeAsync();
        // Other tests of this process may count too: every delta is at least ours.
        Assert.True(Delta(before, after, "milvus_proxy_req_count{function_name=\"Insert\",status=\"success\"}") >= 1);
        Assert.True(Delta(before, after, "milvus_proxy_req_count{function_name=\"Search\",status=\"success\"}") >= 1);
        Assert.True(Delta(before, after, "milvus_proxy_req_count{function_name=\"DescribeCollection\",status=\"fail\"}") >= 1);
        Assert.True(Delta(before, after, "milvus_proxy_insert_vectors_count") >= Rows);
        Assert.True(Delta(before, after, "milvus_proxy_search_vectors_count") >= nq);
        Assert.True(Delta(before, after, "milvus_proxy_req_latency_count{function_name=\"Search\"}") >= 1);
        Assert.True(after["milvus_proxy_cache_hit_count{cache_name=\"collection\",cache_type=\"hit\"}"] >= 1);
        Assert.Equal(1, after["milvus_akka_cluster_members{status=\"Up\"}"]);
        Assert.Contains(after.Keys, k => k.StartsWith("milvus_akka_mailbox_depth{actor=\"shard/", StringComparison.Ordinal));
        Assert.Contains("milvus_akka_mailbox_depth{actor=\"coordinator\"}", after.Keys);
    }

    private Task<Dictionary<string, double>> ScrapeAsync() => ScrapeAsync(_http, _node!.Node.ManagementPort!.Value);

    /// <summary>Every sample of a node's exposition, by metric name with its labels.</summary>
    internal static async Task<Dictionary<string, double>> ScrapeAsync(HttpClient http, int managementPort)
    {
        var response = await http.GetAsync($"http://127.0.0.1:{managementPort}/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var samples = new Dictionary<string, double>();
        foreach (var line in (await response.Content.ReadAsStringAsync()).Split('\n'))
        {
            var space = line.LastIndexOf(' ');
            if (line.Length > 0 && line[0] != '#' && space > 0)
            {
                samples[line[..space]] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return samples;
    }

    internal static double Delta(Dictionary<string, double> before, Dictionary<string, double> after, string sample) =>
        after.GetValueOrDefault(sample) - before.GetValueOrDefault(sample);
}
