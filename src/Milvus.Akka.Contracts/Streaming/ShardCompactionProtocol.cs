using Milvus.Akka.Cluster;
using Milvus.Akka.Common;

namespace Milvus.Akka.Streaming;

/// <summary>
/// Asked by a compacting data node: every delete the shard holds that segments' delete logs may lack. The shard then
/// keeps every later delete buffered for a while (streaming compaction-delete-hold), since the merge may miss them.
/// </summary>
public sealed record GetShardDeletes(string ShardName) : IShardMessage, IShardCommand;

public sealed record ShardDeletes(Column Pks, ulong[] Timestamps) : IShardMessage;

/// <summary>How many deletes the shard's delete buffer holds; replies <see cref="DeleteBufferDescribed"/>.</summary>
public sealed record DescribeDeleteBuffer(string ShardName) : IShardMessage, IShardCommand;

/// <summary>
/// <paramref name="Rows"/> buffered deleted keys in <paramref name="Deletes"/> delete requests; every delete up to
/// <paramref name="Watermark"/> is in the stored delete logs of each segment it may hit.
/// </summary>
public sealed record DeleteBufferDescribed(int Deletes, long Rows, ulong Watermark) : IShardMessage;
