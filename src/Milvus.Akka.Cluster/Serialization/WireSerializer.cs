using Akka.Actor;
using Google.Protobuf;
using Milvus.Akka.Cluster.Wire;

namespace Milvus.Akka.Cluster.Serialization;

/// <summary>
/// Base of the Milvus.Akka cluster-message serializers: each message type is registered once with its manifest, its
/// encoder (fields written to a protobuf stream with <see cref="WireCodec"/>) and its decoder (from the parsed fields).
/// </summary>
public abstract class WireSerializer(ExtendedActorSystem system) : ManifestTableSerializer(system)
{
    protected void Register<T>(string manifest, Action<CodedOutputStream, T> encode, Func<WireFields, T> decode) where T : notnull =>
        base.Register<T>(manifest, message =>
        {
            using var buffer = new MemoryStream();
            var output = new CodedOutputStream(buffer);
            encode(output, message);
            output.Flush();
            return buffer.ToArray();
        }, (byte[] bytes) => decode(WireFields.Parse(UnsafeByteOperations.UnsafeWrap(bytes))));

    /// <summary>Registers a message without fields: it travels as its manifest alone and decodes to the shared instance.</summary>
    protected void RegisterSingleton<T>(string manifest, T instance) where T : notnull =>
        Register(manifest, (_, _) => { }, _ => instance);

    /// <summary>The path of an actor, with this node's address when it is local, so any node can resolve it.</summary>
    protected static string ActorPath(IActorRef actor) => global::Akka.Serialization.Serialization.SerializedActorPath(actor);

    protected IActorRef ResolveActor(string path) => system.Provider.ResolveActorRef(path);

    /// <summary>Null for an absent path (an optional reference that was not set).</summary>
    protected IActorRef? ResolveOptionalActor(string path) => path.Length == 0 ? null : ResolveActor(path);
}
