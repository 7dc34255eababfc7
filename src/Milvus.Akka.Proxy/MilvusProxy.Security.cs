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
}
