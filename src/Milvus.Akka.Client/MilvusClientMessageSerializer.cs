using Akka.Actor;
using Akka.Serialization;
using System.Runtime.Serialization;
using Google.Protobuf;

namespace Milvus.Akka.Client;

/// <summary>
/// Protobuf for the cluster client's envelopes: the Milvus message's full name (field 1) and its bytes (field 2). Only
/// the messages of <see cref="ClientOperations.Parsers"/> are accepted, so no type name from the wire picks a CLR type.
/// </summary>
public sealed class MilvusClientMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private const string RequestManifest = "Q";
    private const string ReplyManifest = "R";

    public override int Identifier => 406;

    public override string Manifest(object o) => o switch
    {
        MilvusClientRequest => RequestManifest,
        MilvusClientReply => ReplyManifest,
        _ => throw new ArgumentException($"{o.GetType()} is not a cluster client message", nameof(o)),
    };

    public override byte[] ToBinary(object obj)
    {
        var message = obj switch
        {
            MilvusClientRequest request => request.Request,
            MilvusClientReply reply => reply.Response,
            _ => throw new ArgumentException($"{obj.GetType()} is not a cluster client message", nameof(obj)),
        };
        var name = message.Descriptor.FullName;
        if (!ClientOperations.Parsers.ContainsKey(name))
        {
            throw new ArgumentException($"{name} is not a message of the cluster client's operations", nameof(obj));
        }

        using var buffer = new MemoryStream();
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
        {
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteString(name);
            output.WriteTag(2, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(message.ToByteString());
        }

        return buffer.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        var input = new CodedInputStream(bytes);
        string? name = null;
        var body = ByteString.Empty;
        while (input.ReadTag() is var tag and not 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    name = input.ReadString();
                    break;
                case 2:
                    body = input.ReadBytes();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        if (name is null || !ClientOperations.Parsers.TryGetValue(name, out var parser))
        {
            throw new SerializationException($"cluster client message of unknown type '{name}'");
        }

        var message = parser.ParseFrom(body);
        return manifest switch
        {
            RequestManifest => new MilvusClientRequest(message),
            ReplyManifest => new MilvusClientReply(message),
            _ => throw new SerializationException($"unknown cluster client manifest '{manifest}'"),
        };
    }
}
