using System.Net.Sockets;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Event;
using Akka.Remote;

namespace Milvus.Akka.Cluster;

/// <summary>
/// <c>milvus.cluster.dead-node-downing</c>: whether a member whose process is known to be gone is downed at once,
/// instead of after the split brain resolver's stable-after and its once-a-second decision tick.
/// </summary>
public sealed record DeadNodeDowningSettings(bool Enabled, TimeSpan ProbeTimeout, int Probes, TimeSpan ProbeInterval)
{
    public static DeadNodeDowningSettings Default { get; } = new(true, TimeSpan.FromSeconds(1), 3, TimeSpan.FromMilliseconds(250));

    public static DeadNodeDowningSettings From(Config config)
    {
        var c = config.GetConfig("milvus.cluster.dead-node-downing");
        if (c is null || c.IsEmpty)
        {
            return Default;
        }

        var settings = new DeadNodeDowningSettings(
            c.GetBoolean("enabled", Default.Enabled),
            c.GetTimeSpan("probe-timeout", Default.ProbeTimeout),
            c.GetInt("probes", Default.Probes),
            c.GetTimeSpan("probe-interval", Default.ProbeInterval));
        return settings.Probes >= 1 && settings.ProbeTimeout > TimeSpan.Zero
            ? settings
            : throw new ConfigurationException("milvus.cluster.dead-node-downing: probes must be at least 1 and probe-timeout above 0");
    }
}

/// <summary>
/// Whether a member's process is gone, from a TCP connection to its remoting port: refused means the member's host
/// answered and nothing listens on the port (the process died or exited; a node cannot serve the cluster without it).
/// Any other outcome (accepted, no answer within the timeout as in a network partition, a name that does not resolve)
/// proves nothing and leaves the member to the failure detector and the split brain resolver.
/// </summary>
public static class RemotingPortProbe
{
    public static async Task<bool> RefusesConnectionsAsync(string host, int port, TimeSpan timeout)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await socket.ConnectAsync(host, port, deadline.Token);
            return false;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }
}

/// <summary>
/// Downs members whose process is gone as soon as that is known. When this node loses its remoting connection to a
/// member, or sees it unreachable, it probes the member's remoting port (<see cref="RemotingPortProbe"/>) a few times
/// (a killed process's sockets close one after another, and an ActorSystem shutting down drops its connections before
/// its listening socket), and downs the member on a refusal. Every node does this on its own observation: downing is
/// idempotent. The downed incarnation is also quarantined, so the leader removes it without waiting for the failure
/// detector. A member that is merely slow, paused or cut off keeps its port open or does not answer, and stays the
/// split brain resolver's decision, so this adds no false positives.
/// </summary>
public sealed class DeadNodeDowner : ReceiveActor
{
    private sealed record ProbeResult(UniqueAddress Node, bool Refused);

    private readonly global::Akka.Cluster.Cluster _cluster = global::Akka.Cluster.Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly DeadNodeDowningSettings _settings;
    private readonly Dictionary<Address, Member> _members = [];
    private readonly HashSet<UniqueAddress> _probing = [];

    public DeadNodeDowner(DeadNodeDowningSettings settings)
    {
        _settings = settings;
        Receive<ClusterEvent.CurrentClusterState>(state =>
        {
            foreach (var member in state.Members)
            {
                _members[member.Address] = member;
            }
        });
        Receive<ClusterEvent.MemberRemoved>(removed => _members.Remove(removed.Member.Address));
        Receive<ClusterEvent.IMemberEvent>(changed => _members[changed.Member.Address] = changed.Member);
        Receive<ClusterEvent.UnreachableMember>(unreachable => Probe(unreachable.Member.Address, "it is unreachable"));
        Receive<DisassociatedEvent>(lost => Probe(lost.RemoteAddress, "its remoting connection closed"));
        Receive<ProbeResult>(OnProbed);
    }

    public static Props Props(DeadNodeDowningSettings settings) => global::Akka.Actor.Props.Create(() => new DeadNodeDowner(settings));

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.UnreachableMember));
        Context.System.EventStream.Subscribe<DisassociatedEvent>(Self);
    }

    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
        Context.System.EventStream.Unsubscribe(Self);
    }

    private void Probe(Address address, string why)
    {
        if (!_members.TryGetValue(address, out var member) || !MayBeDowned(member, _cluster.SelfUniqueAddress)
            || address.Host is not { } host || address.Port is not { } port || !_probing.Add(member.UniqueAddress))
        {
            return;
        }

        _log.Debug("Probing the remoting port of {0}: {1}", address, why);
        var node = member.UniqueAddress;
        var settings = _settings;
        Task.Run(async () =>
        {
            for (var probe = 1; ; probe++)
            {
                if (await RemotingPortProbe.RefusesConnectionsAsync(host, port, settings.ProbeTimeout))
                {
                    return new ProbeResult(node, true);
                }

                if (probe == settings.Probes)
                {
                    return new ProbeResult(node, false);
                }

                await Task.Delay(settings.ProbeInterval);
            }
        }).PipeTo(Self);
    }

    private void OnProbed(ProbeResult result)
    {
        _probing.Remove(result.Node);
        if (result.Refused && _members.TryGetValue(result.Node.Address, out var member) && member.UniqueAddress.Equals(result.Node)
            && MayBeDowned(member, _cluster.SelfUniqueAddress))
        {
            _log.Warning("Downing {0}: its process is gone (its remoting port {1} refuses connections)", member.Address, member.Address.Port);
            _cluster.Down(member.Address);
            // The leader removes a downed member only once some node sees it unreachable, which the failure detector
            // decides seconds later (heartbeat interval + acceptable pause). Quarantining this incarnation (its uid never
            // comes back: a restarted process has a new one) marks it terminated in the gossip's reachability at once,
            // so it is removed at the leader's next round and its shards and singletons move without that wait.
            (((ExtendedActorSystem)Context.System).Provider as IRemoteActorRefProvider)?.Quarantine(member.Address, member.UniqueAddress.Uid);
        }
    }

    /// <summary>Members still holding a place in the cluster that only a down frees; never this node itself.</summary>
    public static bool MayBeDowned(Member member, UniqueAddress self) =>
        !member.UniqueAddress.Equals(self)
        && member.Status is MemberStatus.Joining or MemberStatus.WeaklyUp or MemberStatus.Up or MemberStatus.Leaving;
}
