using System.Collections.Frozen;
using Akka.Configuration;

namespace Milvus.Akka.Security;

/// <summary>Typed view of <c>milvus.security</c> (hocon/milvus.base.hocon).</summary>
/// <param name="AuthorizationEnabled">Milvus's common.security.authorizationEnabled: every rpc authenticated and checked.</param>
/// <param name="DefaultRootPassword">root's password when the cluster first starts; change it with UpdateCredential.</param>
/// <param name="ApiKeys">API keys by the hex SHA-256 of the key, each naming the user whose roles it acts with.</param>
public sealed record SecuritySettings(bool AuthorizationEnabled, string DefaultRootPassword, FrozenDictionary<string, string> ApiKeys)
{
    public static SecuritySettings Default { get; } = new(false, "Milvus", FrozenDictionary<string, string>.Empty);

    public static SecuritySettings From(Config config)
    {
        var c = config.GetConfig("milvus.security");
        if (c is null || c.IsEmpty)
        {
            return Default;
        }

        var keys = c.GetConfig("api-keys");
        return new SecuritySettings(
            c.GetBoolean("authorization-enabled", Default.AuthorizationEnabled),
            c.GetString("default-root-password", Default.DefaultRootPassword),
            keys is null || keys.IsEmpty
                ? FrozenDictionary<string, string>.Empty
                : keys.AsEnumerable().ToFrozenDictionary(e => e.Key.ToLowerInvariant(), e => e.Value.GetString(), StringComparer.Ordinal));
    }
}
