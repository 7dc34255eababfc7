using Milvus.Akka.Common;
using Milvus.Akka.Index;
using Milvus.Akka.Index.Scalar;

namespace Milvus.Akka.Segments;

/// <summary>An index file of one field read back from storage: a vector index or a scalar one (told apart by the file's magic).</summary>
public sealed record LoadedIndex(long FieldId, IFieldIndex? Vector, IScalarIndex? Scalar)
{
    public static LoadedIndex Read(long fieldId, ReadOnlyMemory<byte> file) => ScalarIndexFile.Is(file.Span)
        ? new LoadedIndex(fieldId, null, ScalarIndexFile.Read(file.Span))
        : new LoadedIndex(fieldId, VectorIndexes.LoadAny(file), null);

    public void AttachTo(Segment segment)
    {
        if (Vector is not null)
        {
            segment.AttachIndex(FieldId, Vector);
        }

        if (Scalar is not null)
        {
            segment.AttachScalarIndex(FieldId, Scalar);
        }
    }
}
