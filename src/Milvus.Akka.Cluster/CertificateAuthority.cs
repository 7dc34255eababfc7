using System.Security.Cryptography.X509Certificates;

namespace Milvus.Akka.Cluster;

/// <summary>
/// Checks peer certificates against one private certificate authority (Milvus's <c>tls.caPemPath</c>) instead of the
/// machine's trust store: what mutual TLS on the gRPC edge and TLS between nodes accept.
/// </summary>
public sealed class CertificateAuthority(X509Certificate2 root)
{
    public X509Certificate2 Root => root;

    /// <summary>Loads the CA certificate from a PEM file.</summary>
    public static CertificateAuthority FromPemFile(string path) => new(X509Certificate2.CreateFromPem(File.ReadAllText(path)));

    /// <summary>Whether <paramref name="certificate"/> is currently valid and chains to this CA (revocation is not checked).</summary>
    public bool Issued(X509Certificate? certificate, X509Chain? presented = null)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            // Intermediates the peer sent along.
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }
}
