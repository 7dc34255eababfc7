using Milvus.Akka.Cluster;
using Milvus.Akka.Common;

namespace Milvus.Akka.Streaming;

/// <summary>Asked by a compacting data node: every delete the shard holds that segments' delete logs may lack.</summary>
public sealed record GetShardDeletes(string ShardName) : IShardMessage, IShardCommand;

public sealed record ShardDeletes(Column Pks, ulong[] Timestamps) : IShardMessage;
