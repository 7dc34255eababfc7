using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Segments;

namespace Milvus.Akka.Query;

/// <summary>Marker for every message a query node handles or answers; bound to its wire serializer.</summary>
public interface IQueryNodeMessage;

/// <summary>
/// Sent by a shard delegator: load this flushed segment and mask the given deletes (every delete the shard holds
/// that is not in the segment's delete logs). Deletes sent after this message are applied in order.
/// </summary>
public sealed record LoadSegment(SegmentInfo Segment, CollectionSchema Schema, Column DeletedPks, ulong[] DeleteTimestamps) : IQueryNodeMessage;

public sealed record SegmentLoaded(long SegmentId) : IQueryNodeMessage;

/// <summary>
/// Sent by a shard after AddCollectionField: the collection's segments here (served, and loading) take the new
/// schema, their rows reading the added fields as absent; answered with <see cref="Milvus.Akka.Cluster.Done"/>.
/// </summary>
public sealed record WidenCollectionSchema(long CollectionId, CollectionSchema Schema) : IQueryNodeMessage;

public sealed record SegmentLoadFailed(long SegmentId, string Reason) : IQueryNodeMessage;

/// <summary>A delete persisted by a shard, forwarded to the query nodes serving that shard's flushed segments.</summary>
public sealed record ApplyDeletes(string ShardName, Column Pks, ulong Timestamp) : IQueryNodeMessage;

/// <summary>Searches the named segments; the reply is <see cref="SearchHits"/> reduced over them, or a <see cref="MilvusFailure"/>.</summary>
public sealed record SearchSegments(SearchPlan Plan, ImmutableArray<long> SegmentIds) : IQueryNodeMessage;

/// <summary>Counts the BM25 statistics of the named segments; the reply is their sum as <see cref="Bm25Stats"/>, or a <see cref="MilvusFailure"/>.</summary>
public sealed record Bm25StatsSegments(Bm25StatsPlan Plan, ImmutableArray<long> SegmentIds) : IQueryNodeMessage;

/// <summary>Retrieves from the named segments; the reply is <see cref="QueryRows"/> reduced over them, or a <see cref="MilvusFailure"/>.</summary>
public sealed record QuerySegments(QueryPlan Plan, ImmutableArray<long> SegmentIds) : IQueryNodeMessage;
