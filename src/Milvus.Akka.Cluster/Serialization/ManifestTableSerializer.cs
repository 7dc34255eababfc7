using System.Globalization;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using Google.Protobuf;

namespace Milvus.Akka.Cluster.Serialization;

/// <summary>
/// Base of every Milvus.Akka serializer: a table of (manifest, type, encode, decode), one row per message type, from
/// which the manifest, the encoding and the decoding are looked up. Manifests are short, never reused, and end with the
/// format version: an incompatible layout gets a new manifest and the old one stays readable, and a manifest of a
/// known message with a version newer than any registered is refused with an error saying so (written by a newer node).
/// Serializer ids 0–100 are reserved by Akka.NET; Milvus.Akka uses 401–499.
/// </summary>
public abstract class ManifestTableSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private readonly Dictionary<Type, (string Manifest, Func<object, byte[]> ToBinary)> _encoders = [];
    private readonly Dictionary<string, Func<byte[], object>> _decoders = [];

    /// <summary>The message types this serializer encodes.</summary>
    public IReadOnlyCollection<Type> RegisteredTypes => _encoders.Keys;

    /// <summary>What the messages are, for errors ("streaming shard event '…' has format version 2").</summary>
    protected virtual string MessageKind => "message";

    protected void Register<T>(string manifest, Func<T, byte[]> toBinary, Func<byte[], T> fromBinary) where T : notnull
    {
        _encoders.Add(typeof(T), (manifest, message => toBinary((T)message)));
        _decoders.Add(manifest, bytes => fromBinary(bytes));
    }

    /// <summary>A message stored as the protobuf message <typeparamref name="TProto"/> of a .proto schema.</summary>
    protected void RegisterProto<T, TProto>(string manifest, Func<T, TProto> toProto, MessageParser<TProto> parser, Func<TProto, T> fromProto)
        where T : notnull
        where TProto : IMessage<TProto> =>
        Register(manifest, message => toProto(message).ToByteArray(), bytes => fromProto(parser.ParseFrom(bytes)));

    public override string Manifest(object o) => EncoderFor(o).Manifest;

    public override byte[] ToBinary(object obj) => EncoderFor(obj).ToBinary(obj);

    public override object FromBinary(byte[] bytes, string manifest) =>
        _decoders.TryGetValue(manifest, out var decode) ? decode(bytes) : throw Unreadable(manifest);

    private SerializationException Unreadable(string manifest)
    {
        var (kind, version) = Split(manifest);
        var newest = _decoders.Keys.Select(Split).Where(known => known.Kind == kind).Select(known => known.Version).DefaultIfEmpty(-1).Max();
        return newest >= 0 && version > newest
            ? new SerializationException(
                $"{MessageKind} '{manifest}' has format version {version}, but this node reads versions up to {newest}: " +
                "it was written by a newer Milvus.Akka; upgrade this node")
            : new SerializationException($"{GetType().Name} has no {MessageKind} with manifest '{manifest}'");
    }

    /// <summary>A manifest's kind and trailing format version (-1 when it has none).</summary>
    private static (string Kind, int Version) Split(string manifest)
    {
        var kind = manifest.TrimEnd("0123456789".ToCharArray());
        return (kind, int.TryParse(manifest.AsSpan(kind.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : -1);
    }

    private (string Manifest, Func<object, byte[]> ToBinary) EncoderFor(object message) =>
        _encoders.TryGetValue(message.GetType(), out var encoder)
            ? encoder
            : throw new ArgumentException($"{GetType().Name} cannot encode {message.GetType()}", nameof(message));
}
