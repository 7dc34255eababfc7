using System.Collections.Immutable;
using Milvus.Akka.Common;

namespace Milvus.Akka.Segments;

/// <summary>The scalar indexes attached to a segment, by field: immutable, so a view keeps the set it was taken with.</summary>
internal sealed class ScalarIndexSet(ImmutableDictionary<long, IScalarIndex> byField) : IScalarIndexes
{
    public static readonly ScalarIndexSet Empty = new(ImmutableDictionary<long, IScalarIndex>.Empty);

    public bool IsEmpty => byField.IsEmpty;

    public IScalarIndex? Find(long fieldId) => byField.GetValueOrDefault(fieldId);

    public ScalarIndexSet With(long fieldId, IScalarIndex index) => new(byField.SetItem(fieldId, index));
}
