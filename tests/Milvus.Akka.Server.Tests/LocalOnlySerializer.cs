using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Serialization;

namespace Milvus.Akka.Server.Tests;

/// <summary>
/// For <c>serialize-messages = on</c> in tests: passes a message through by reference. It is bound only to
/// actor-local messages of Akka itself that have no serializer because they never leave their node (Akka.Persistence's
/// task-carrying write messages, Distributed Data's read repair, the cluster's reachability events), so the verification covers every other message (JVM Akka has a class-prefix exclusion for this; Akka.NET 1.5 does not).
/// </summary>
public sealed class LocalOnlySerializer(ExtendedActorSystem system) : Serializer(system)
{
    private static readonly ConcurrentDictionary<Guid, object> InFlight = new();

    public override int Identifier => 499;

    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj)
    {
        var key = Guid.NewGuid();
        InFlight[key] = obj;
        return key.ToByteArray();
    }

    public override object FromBinary(byte[] bytes, Type type) =>
        InFlight.TryRemove(new Guid(bytes), out var obj) ? obj : throw new InvalidOperationException("a local-only message left its process");
}
