namespace Milvus.Akka.Common;

/// <summary>Read consistency; values are those of milvus.proto.common.ConsistencyLevel.</summary>
public enum ConsistencyLevel
{
    /// <summary>Waits for every write acknowledged before the request.</summary>
    Strong = 0,

    /// <summary>Read-your-own-writes: waits for the client's last write timestamp.</summary>
    Session = 1,

    /// <summary>Up to the graceful time (5 s by default) stale.</summary>
    Bounded = 2,

    /// <summary>No waiting.</summary>
    Eventually = 3,

    /// <summary>The guarantee timestamp as the client sent it.</summary>
    Customized = 4,
}
