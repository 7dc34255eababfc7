using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using Google.Protobuf;
using Milvus.Akka.Cluster.Wire;

namespace Milvus.Akka.Cluster.Serialization;

/// <summary>
/// Base of the Milvus.Akka cluster-message serializers: each message type is registered once with its manifest, its
/// protobuf encoder and its decoder. Manifests are short, never reused, and end with the format version: an
/// incompatible layout gets a new manifest and the old one stays readable during a rolling upgrade.
/// Serializer ids 0–100 are reserved by Akka.NET; Milvus.Akka uses 401–499.
/// </summary>
public abstract class WireSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private readonly Dictionary<Type, (string Manifest, Action<CodedOutputStream, object> Encode)> _encoders = [];
    private readonly Dictionary<string, Func<WireFields, object>> _decoders = [];

    /// <summary>The message types this serializer encodes.</summary>
    public IReadOnlyCollection<Type> RegisteredTypes => _encoders.Keys;

    protected void Register<T>(string manifest, Action<CodedOutputStream, T> encode, Func<WireFields, T> decode) where T : notnull
    {
        _encoders.Add(typeof(T), (manifest, (output, message) => encode(output, (T)message)));
        _decoders.Add(manifest, fields => decode(fields));
    }

    /// <summary>Registers a message without fields: it travels as its manifest alone and decodes to the shared instance.</summary>
    protected void RegisterSingleton<T>(string manifest, T instance) where T : notnull =>
        Register(manifest, (_, _) => { }, _ => instance);

    public override string Manifest(object o) => EncoderFor(o).Manifest;

    public override byte[] ToBinary(object obj)
    {
        var encode = EncoderFor(obj).Encode;
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        encode(output, obj);
        output.Flush();
        return buffer.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest) =>
        _decoders.TryGetValue(manifest, out var decode)
            ? decode(WireFields.Parse(UnsafeByteOperations.UnsafeWrap(bytes)))
            : throw new SerializationException($"{GetType().Name} has no message with manifest '{manifest}'");

    /// <summary>The path of an actor, with this node's address when it is local, so any node can resolve it.</summary>
    protected static string ActorPath(IActorRef actor) => global::Akka.Serialization.Serialization.SerializedActorPath(actor);

    protected IActorRef ResolveActor(string path) => system.Provider.ResolveActorRef(path);

    /// <summary>Null for an absent path (an optional reference that was not set).</summary>
    protected IActorRef? ResolveOptionalActor(string path) => path.Length == 0 ? null : ResolveActor(path);

    private (string Manifest, Action<CodedOutputStream, object> Encode) EncoderFor(object message) =>
        _encoders.TryGetValue(message.GetType(), out var encoder)
            ? encoder
            : throw new ArgumentException($"{GetType().Name} cannot encode {message.GetType()}", nameof(message));
}
