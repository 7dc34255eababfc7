using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Configuration;
using Grpc.Core;
using Grpc.Net.Client;
using Milvus.Akka.Cluster;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.TestSupport;
using AkkaCluster = Akka.Cluster.Cluster;
using MemberStatus = Akka.Cluster.MemberStatus;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// TLS as Milvus's tlsMode on the gRPC edge (1: the server's certificate; 2: also a client certificate of the CA) and
/// mutual TLS between nodes, with certificates made at test time: the right certificates are served, every other
/// client or node is refused.
/// </summary>
public sealed class TlsTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "milvus-akka-tests", "tls-" + Guid.NewGuid().ToString("N"));
    private readonly TestCertificates _ca;
    private readonly TestCertificates _otherCa;

    public TlsTests()
    {
        _ca = TestCertificates.CreateAuthority(_directory, "cluster-ca");
        _otherCa = TestCertificates.CreateAuthority(_directory, "other-ca");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task One_way_tls_serves_clients_that_trust_the_ca_and_refuses_plain_and_untrusting_clients()
    {
        var (serverPem, serverKey) = _ca.Issue("server");
        await using var node = await StandaloneGrpcNode.StartAsync($$"""
            milvus.proxy.grpc.tls { mode = 1, server-pem-path = "{{serverPem}}", server-key-path = "{{serverKey}}" }
            """);
        var port = node.Node.GrpcPort!.Value;

        using (var trusting = TlsChannel(port, _ca, client: null))
        {
            MilvusRpc.Succeeded((await new MilvusService.MilvusServiceClient(trusting).ShowCollectionsAsync(new ShowCollectionsRequest())).Status);
        }

        using (var plain = GrpcChannel.ForAddress($"http://127.0.0.1:{port}"))
        {
            await Assert.ThrowsAsync<RpcException>(() => Call(plain));
        }

        using (var untrusting = TlsChannel(port, _otherCa, client: null))
        {
            await Assert.ThrowsAsync<RpcException>(() => Call(untrusting));
        }

        // The official Node SDK with tls.rootCertPath (tests/compat/test/tls.test.js).
        await NodeSdkWorkflow.RunAsync(["--test", "test/tls.test.js"], new Dictionary<string, string>
        {
            ["MILVUS_TLS_ADDRESS"] = $"127.0.0.1:{port}",
            ["MILVUS_TLS_CA"] = _ca.CaPemPath,
        });
    }

    [Fact]
    public async Task Mutual_tls_serves_clients_with_a_certificate_of_the_ca_and_refuses_the_others()
    {
        var (serverPem, serverKey) = _ca.Issue("server");
        await using var node = await StandaloneGrpcNode.StartAsync($$"""
            milvus.proxy.grpc.tls { mode = 2, server-pem-path = "{{serverPem}}", server-key-path = "{{serverKey}}", ca-pem-path = "{{_ca.CaPemPath}}" }
            """);
        var port = node.Node.GrpcPort!.Value;

        using (var withCertificate = TlsChannel(port, _ca, _ca.Issue("client")))
        {
            MilvusRpc.Succeeded((await new MilvusService.MilvusServiceClient(withCertificate).ShowCollectionsAsync(new ShowCollectionsRequest())).Status);
        }

        using (var withoutCertificate = TlsChannel(port, _ca, client: null))
        {
            await Assert.ThrowsAsync<RpcException>(() => Call(withoutCertificate));
        }

        using var foreignCertificate = TlsChannel(port, _ca, _otherCa.Issue("intruder"));
        await Assert.ThrowsAsync<RpcException>(() => Call(foreignCertificate));
    }

    [Fact]
    public async Task Only_a_node_with_a_certificate_of_the_cluster_ca_joins_a_tls_cluster()
    {
        var seed = Node("seed", _ca, _ca.Issue("node-1"));
        var member = Node("member", _ca, _ca.Issue("node-2"));
        // One that trusts only its own CA, and one without TLS at all.
        var intruder = Node("intruder", _otherCa, _otherCa.Issue("node-3"));
        var plain = ActorSystem.Create("milvus", NodeConfig("plain"));
        try
        {
            var seedCluster = AkkaCluster.Get(seed);
            await seedCluster.JoinAsync(seedCluster.SelfAddress);
            foreach (var system in new[] { member, intruder, plain })
            {
                _ = AkkaCluster.Get(system).JoinAsync(seedCluster.SelfAddress);
            }

            await Eventually.UntilAsync(() => UpMembers(seed) == 2, "the member with the cluster CA's certificate is Up", seconds: 60);
            // Joins are retried every second (retry-unsuccessful-join-after): after eight, neither other node is in.
            await Task.Delay(TimeSpan.FromSeconds(8));
            Assert.Equal(2, seedCluster.State.Members.Count);
            Assert.NotEqual(MemberStatus.Up, AkkaCluster.Get(intruder).SelfMember.Status);
            Assert.NotEqual(MemberStatus.Up, AkkaCluster.Get(plain).SelfMember.Status);
        }
        finally
        {
            await Task.WhenAll(new[] { plain, intruder, member, seed }.Select(s => s.Terminate()));
        }
    }

    private static int UpMembers(ActorSystem system) => AkkaCluster.Get(system).State.Members.Count(m => m.Status == MemberStatus.Up);

    private ActorSystem Node(string name, TestCertificates trusted, (string Certificate, string Key) own)
    {
        var config = ConfigurationFactory.ParseString($$"""
            milvus.remoting.tls { enabled = on, certificate-pem-path = "{{own.Certificate}}", key-pem-path = "{{own.Key}}", ca-pem-path = "{{trusted.CaPemPath}}" }
            """).WithFallback(NodeConfig(name));
        return ActorSystem.Create("milvus", RemotingTls.From(config).Setup(config));
    }

    private static Config NodeConfig(string name) => ConfigurationFactory.ParseString($$"""
        akka.loglevel = WARNING
        akka.stdout-loglevel = OFF
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
        akka.cluster.roles = ["{{name}}"]
        akka.cluster.retry-unsuccessful-join-after = 1s
        akka.cluster.seed-node-timeout = 1s
        """);

    private static async Task Call(GrpcChannel channel) =>
        await new MilvusService.MilvusServiceClient(channel).ShowCollectionsAsync(new ShowCollectionsRequest(),
            deadline: DateTime.UtcNow.AddSeconds(30));

    /// <summary>A channel over TLS trusting only <paramref name="trusted"/>'s CA, presenting <paramref name="client"/>'s certificate if given.</summary>
    private static GrpcChannel TlsChannel(int port, TestCertificates trusted, (string Certificate, string Key)? client)
    {
        var authority = new CertificateAuthority(trusted.Certificate);
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, _) => authority.Issued(certificate, chain);
        if (client is var (certificate, key))
        {
            handler.SslOptions.ClientCertificates = [X509Certificate2.CreateFromPemFile(certificate, key)];
        }

        return GrpcChannel.ForAddress($"https://127.0.0.1:{port}", new GrpcChannelOptions { HttpHandler = handler });
    }
}
