using Akka.Actor;
using Akka.Cluster;
using Milvus.Akka.Storage;

namespace Milvus.Akka.Server;

/// <summary>
/// Whether a node can serve, for orchestrators' probes: it is Up in the cluster, every actor of its roles has started,
/// and its meta storage answers. Akka.Management's cluster bootstrap and health routes are the path once its HTTP
/// server can run here (stack-notes: it cannot with the Ceen.Httpd served); until then this is served by
/// <see cref="ManagementServer"/>.
/// </summary>
public sealed class NodeHealth(ActorSystem system, IMetaStore meta)
{
    private static readonly TimeSpan StorageTimeout = TimeSpan.FromSeconds(2);
    private volatile bool _started;

    /// <summary>Called once every actor of the node's roles has started.</summary>
    public void MarkStarted() => _started = true;

    /// <summary>Healthy, or the reason it is not.</summary>
    public async Task<(bool Healthy, string Reason)> CheckAsync(CancellationToken cancellationToken)
    {
        if (system.WhenTerminated.IsCompleted)
        {
            return (false, "the actor system has terminated");
        }

        if (!_started)
        {
            return (false, "the node's roles are starting");
        }

        var self = global::Akka.Cluster.Cluster.Get(system).SelfMember;
        if (self.Status != MemberStatus.Up)
        {
            return (false, $"cluster member {self.Address} is {self.Status}, not Up");
        }

        try
        {
            await meta.GetAsync("health/probe", cancellationToken).WaitAsync(StorageTimeout, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return (false, $"meta storage does not answer: {e.Message}");
        }

        return (true, $"{self.Address} is Up with roles [{string.Join(", ", self.Roles)}]");
    }
}
