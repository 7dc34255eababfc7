using Akka.Actor;
using Milvus.Akka.Common;
using static Milvus.Akka.Cluster.Wire.WireCodec;

namespace Milvus.Akka.Cluster.Serialization;

/// <summary>Wire format of the replies every layer shares: <see cref="MilvusFailure"/> and <see cref="Done"/>.</summary>
public sealed class ClusterMessageSerializer : WireSerializer
{
    public ClusterMessageSerializer(ExtendedActorSystem system) : base(system)
    {
        Register<MilvusFailure>("mf1",
            (o, m) =>
            {
                WriteInt64(o, 1, (long)m.Code);
                WriteString(o, 2, m.Reason);
            },
            f => new MilvusFailure((ErrorCode)f.Int32(1), f.String(2)));
        RegisterSingleton("dn1", Done.Instance);
    }

    public override int Identifier => 402;
}
