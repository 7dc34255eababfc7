using System.Text;
using Milvus.Akka.Security;

namespace Milvus.Akka.Proxy;

/// <summary>
/// Users, roles and grants as the coordinator keeps them: a proxy holds one copy of the whole state per catalog version
/// (every RBAC change takes a new one, announced like any DDL change), so checking a request asks nobody.
/// </summary>
public sealed partial class MilvusProxy
{
    private readonly Lock _rbacGate = new();
    private (ulong Version, DateTimeOffset Expires, Task<RbacState> State)? _rbac;

    /// <summary>Password checks of this proxy, with the passwords it verified already (as digests).</summary>
    public Passwords Passwords { get; } = new();

    /// <summary>The RBAC state as of the newest catalog version this proxy knows; callers at once share one fetch.</summary>
    public Task<RbacState> RbacAsync()
    {
        var version = Catalog.Version;
        lock (_rbacGate)
        {
            if (_rbac is { } cached && cached.Version == version && cached.Expires > DateTimeOffset.UtcNow && !cached.State.IsFaulted)
            {
                return cached.State;
            }

            var state = FetchRbacAsync();
            // Expiry bounds staleness should a change announcement be lost, as for cached collections.
            _rbac = (version, DateTimeOffset.UtcNow + settings.MetadataCacheTtl, state);
            return state;
        }
    }

    /// <summary>Applies an RBAC change at the coordinator; this proxy sees it at once (the reply carries the new catalog version).</summary>
    public Task ChangeRbacAsync(IRbacChange change, CancellationToken cancellationToken) => _coordinator.CatalogCommandAsync(change, cancellationToken);

    private async Task<RbacState> FetchRbacAsync() => (await _coordinator.AskAsync<RbacSnapshot>(GetRbac.Instance)).State;

    /// <summary>
    /// The user a token authenticates, or null: the SDKs' token, base64 of <c>user:password</c> (HTTP basic authentication's
    /// credentials too) or of an API key. Passwords are checked against the stored hashes and never logged.
    /// </summary>
    public string? UserOf(string? token, RbacState state)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            return null;
        }

        var colon = decoded.IndexOf(':');
        if (colon < 0)
        {
            return settings.Security.ApiKeys.GetValueOrDefault(Passwords.ApiKeyDigest(decoded));
        }

        var name = decoded[..colon];
        return state.Users.TryGetValue(name, out var user) && Passwords.Verify(name, decoded[(colon + 1)..], user.PasswordHash) ? name : null;
    }
}
