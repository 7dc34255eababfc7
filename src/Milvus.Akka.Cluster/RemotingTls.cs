using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Remote.Transport.DotNetty;

namespace Milvus.Akka.Cluster;

/// <summary>
/// TLS between the nodes of a cluster (<c>milvus.remoting.tls</c>): Akka.Remote's DotNetty transport with SSL, each node
/// presenting its own certificate and accepting a peer, in both directions (mutual TLS), only if the peer's
/// certificate was issued by the cluster's CA. A node without such a certificate cannot join or talk to any node.
/// </summary>
public sealed record RemotingTls(bool Enabled, string CertificatePemPath, string KeyPemPath, string CaPemPath)
{
    public static RemotingTls Off { get; } = new(false, "", "", "");

    public static RemotingTls From(Config config)
    {
        var c = config.GetConfig("milvus.remoting.tls");
        if (c is null || c.IsEmpty || !c.GetBoolean("enabled", false))
        {
            return Off;
        }

        var tls = new RemotingTls(true, c.GetString("certificate-pem-path", ""), c.GetString("key-pem-path", ""), c.GetString("ca-pem-path", ""));
        return tls is { CertificatePemPath: not "", KeyPemPath: not "", CaPemPath: not "" }
            ? tls
            : throw new ConfigurationException("milvus.remoting.tls.enabled needs certificate-pem-path, key-pem-path and ca-pem-path");
    }

    /// <summary>The ActorSystem's setup: <paramref name="config"/>, with the DotNetty transport's SSL when enabled.</summary>
    public ActorSystemSetup Setup(Config config)
    {
        if (!Enabled)
        {
            return ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(config));
        }

        var authority = CertificateAuthority.FromPemFile(CaPemPath);
        var certificate = X509Certificate2.CreateFromPemFile(CertificatePemPath, KeyPemPath);
        var ssl = new DotNettySslSetup(certificate, suppressValidation: false, requireMutualAuthentication: true,
            validateCertificateHostname: false,
            // The cluster's own CA, not the machine's trust store; node addresses change, so host names are not checked.
            customValidator: (peer, chain, _, _, _) => authority.Issued(peer, chain));
        return BootstrapSetup.Create()
            .WithConfig(ConfigurationFactory.ParseString("akka.remote.dot-netty.tcp.enable-ssl = on").WithFallback(config))
            .And(ssl);
    }
}
