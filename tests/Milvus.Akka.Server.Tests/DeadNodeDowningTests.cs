using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using Milvus.Akka.Cluster;
using Milvus.Akka.TestSupport;
using Xunit.Abstractions;

namespace Milvus.Akka.Server.Tests;

/// <summary>
/// <see cref="DeadNodeDowner"/>: a member whose process is gone is downed without the split brain resolver, and only
/// a refused connection counts as gone.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class DeadNodeDowningTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_closed_port_refuses_and_a_listening_port_does_not()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var open = ((IPEndPoint)listener.LocalEndpoint).Port;
        Assert.False(await RemotingPortProbe.RefusesConnectionsAsync("127.0.0.1", open, TimeSpan.FromSeconds(5)));

        listener.Stop();
        Assert.True(await RemotingPortProbe.RefusesConnectionsAsync("127.0.0.1", open, TimeSpan.FromSeconds(5)));
        // A name that does not resolve proves nothing.
        Assert.False(await RemotingPortProbe.RefusesConnectionsAsync("no-such-host.invalid", open, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_member_whose_process_is_gone_is_downed_and_removed_long_before_the_split_brain_resolver_would()
    {
        // The resolver would wait a minute, and the failure detector would not call the member unreachable for a minute
        // either: the leader removes a downed member only once it is unreachable or terminated, so removal within the
        // test's deadline shows the downer also quarantined the gone incarnation (terminated at once).
        const string config = """
            akka.actor.provider = cluster
            akka.loglevel = WARNING
            akka.remote.dot-netty.tcp.hostname = "127.0.0.1"
            akka.cluster.downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
            akka.cluster.split-brain-resolver.active-strategy = keep-majority
            akka.cluster.split-brain-resolver.stable-after = 60s
            akka.cluster.failure-detector.acceptable-heartbeat-pause = 60s
            akka.coordinated-shutdown.run-by-actor-system-terminate = off
            akka.coordinated-shutdown.exit-clr = off
            """;
        var ports = new[] { ServerProcess.FreePort(), ServerProcess.FreePort(), ServerProcess.FreePort() }.Order().ToArray();
        var systems = ports.Select(port => ActorSystem.Create("downing", ConfigurationFactory.ParseString(
            $"akka.remote.dot-netty.tcp.port = {port}\n{config}"))).ToList();
        try
        {
            var seed = global::Akka.Cluster.Cluster.Get(systems[0]).SelfAddress;
            foreach (var system in systems)
            {
                await global::Akka.Cluster.Cluster.Get(system).JoinSeedNodesAsync([seed]);
                system.ActorOf(DeadNodeDowner.Props(DeadNodeDowningSettings.Default), "dead-node-downer");
            }

            var observer = global::Akka.Cluster.Cluster.Get(systems[0]);
            await Eventually.UntilAsync(() => Task.FromResult(observer.State.Members.Count(m => m.Status == global::Akka.Cluster.MemberStatus.Up) == 3),
                "three members up", seconds: 60);

            var doomed = systems[2];
            var doomedAddress = global::Akka.Cluster.Cluster.Get(doomed).SelfAddress;
            var clock = Stopwatch.StartNew();
            await doomed.Terminate();
            systems.Remove(doomed);
            await Eventually.UntilAsync(() => Task.FromResult(observer.State.Members.All(m => !m.Address.Equals(doomedAddress))),
                $"{doomedAddress} is removed", seconds: 30);
            output.WriteLine($"{doomedAddress} removed {clock.Elapsed.TotalSeconds:0.00} s after its ActorSystem terminated (the resolver and the failure detector would wait 60 s)");
            // Nothing else was downed.
            Assert.Equal(2, observer.State.Members.Count(m => m.Status == global::Akka.Cluster.MemberStatus.Up));
        }
        finally
        {
            await Task.WhenAll(systems.Select(s => s.Terminate()));
        }
    }
}
