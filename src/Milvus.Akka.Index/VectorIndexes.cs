using Milvus.Akka.Common;
using Milvus.Akka.Index.Binary;
using Milvus.Akka.Index.Hnsw;
using Milvus.Akka.Index.Ivf;
using Milvus.Akka.Index.Persistence;
using Milvus.Akka.Index.Sparse;

namespace Milvus.Akka.Index;

/// <summary>Builds and loads indexes. Builds are deterministic for a seed whatever the thread count.</summary>
public static class VectorIndexes
{
    /// <summary>
    /// Builds a float-vector index over <c>vectors.Length / dim</c> row-major vectors; row offsets follow their order.
    /// <paramref name="threads"/> 0 uses all cores.
    /// </summary>
    public static IVectorIndex Build(IndexSpec spec, int dim, ReadOnlyMemory<float> vectors, int seed = 42, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Type.IsBinary() || spec.Type.IsSparse())
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"index type {spec.Type.ToMilvusName()} does not index float vectors; use {(spec.Type.IsBinary() ? "BuildBinary" : "BuildSparse")}");
        }

        spec.Validate(dim);
        CheckShape(vectors.Length, dim, dim);
        var rows = FloatRows.Copy(spec.Metric, dim, vectors.Span);
        var parallel = Parallelism(threads);
        return spec.Type switch
        {
            IndexType.Flat => new FlatIndex(spec, rows),
            IndexType.Hnsw => HnswIndex.Build(spec, rows, seed, threads),
            IndexType.IvfFlat => IvfFlatIndex.Build(spec, rows, seed, parallel),
            IndexType.IvfSq8 => IvfSq8Index.Build(spec, rows, seed, parallel),
            IndexType.IvfPq => IvfPqIndex.Build(spec, rows, seed, parallel),
            _ => throw new MilvusException(ErrorCode.IndexNotSupported, $"index type {spec.Type.ToMilvusName()} is not supported"),
        };
    }

    /// <summary>Builds a binary-vector index over packed rows of <c>dim / 8</c> bytes (dim a multiple of 8).</summary>
    public static IBinaryVectorIndex BuildBinary(IndexSpec spec, int dim, ReadOnlyMemory<byte> vectors, int seed = 42, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!spec.Type.IsBinary())
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"index type {spec.Type.ToMilvusName()} indexes float vectors; use Build");
        }

        spec.Validate(dim);
        var rowBytes = dim / 8;
        CheckShape(vectors.Length, rowBytes, dim);
        var rows = new BinaryRows(spec.Metric, rowBytes, vectors.ToArray(), vectors.Length / rowBytes);
        return spec.Type == IndexType.BinFlat
            ? new BinFlatIndex(spec, dim, rows)
            : BinIvfFlatIndex.Build(spec, dim, rows, seed, Parallelism(threads));
    }

    /// <summary>Builds SPARSE_INVERTED_INDEX or SPARSE_WAND over sparse rows in Milvus's wire form (already validated).</summary>
    public static ISparseVectorIndex BuildSparse(IndexSpec spec, IReadOnlyList<byte[]> rows)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!spec.Type.IsSparse())
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"index type {spec.Type.ToMilvusName()} does not index sparse vectors");
        }

        spec.Validate(0);
        return SparseInvertedIndex.Build(spec, rows);
    }

    /// <summary>An exact scan of sparse rows as they are (no copy): how sparse rows without a built index are searched.</summary>
    public static ISparseVectorIndex SparseScan(byte[][] rows) => new SparseScan(rows);

    /// <summary>Loads a float-vector index saved by <see cref="IVectorIndex.Save"/>; corrupt or truncated data is rejected.</summary>
    public static IVectorIndex Load(ReadOnlyMemory<byte> bytes) => Expect<IVectorIndex>(Parse(bytes.Span), "float", "LoadBinary");

    public static IBinaryVectorIndex LoadBinary(ReadOnlyMemory<byte> bytes) => Expect<IBinaryVectorIndex>(Parse(bytes.Span), "binary", "Load");

    /// <summary>Loads any index file, of whichever vector type its spec names.</summary>
    public static IFieldIndex LoadAny(ReadOnlyMemory<byte> bytes) => Parse(bytes.Span);

    /// <summary>Loads a float-vector index file through a read-only memory map (no intermediate copy of the file).</summary>
    public static IVectorIndex LoadFile(string path) => Expect<IVectorIndex>(IndexFile.MapFile<IFieldIndex>(path, Parse), "float", "LoadBinaryFile");

    public static IBinaryVectorIndex LoadBinaryFile(string path) => Expect<IBinaryVectorIndex>(IndexFile.MapFile<IFieldIndex>(path, Parse), "binary", "LoadFile");

    /// <summary>
    /// An exact BIN_FLAT search over <paramref name="rows"/> as they are (no copy): how binary rows without a built
    /// index (growing segments, BIN_FLAT fields) are searched. The caller must not change the array while it is in use.
    /// </summary>
    public static IBinaryVectorIndex BinaryScan(MetricType metric, int dim, byte[] rows)
    {
        var spec = new IndexSpec(IndexType.BinFlat, metric);
        spec.Validate(dim);
        CheckShape(rows.Length, dim / 8, dim);
        return new BinFlatIndex(spec, dim, new BinaryRows(metric, dim / 8, rows, rows.Length / (dim / 8)));
    }

    private static T Expect<T>(IFieldIndex index, string kind, string use) where T : IFieldIndex => index is T typed
        ? typed
        : throw new MilvusException(ErrorCode.ParameterInvalid, $"the file holds a {index.Spec.Type.ToMilvusName()} index, not a {kind} one; use {use}");

    private static unsafe IFieldIndex Parse(IntPtr data, int length) => Parse(new ReadOnlySpan<byte>((void*)data, length));

    private static IFieldIndex Parse(ReadOnlySpan<byte> file)
    {
        var reader = IndexFile.Open(file, out var spec, out var dim, out var count);
        IFieldIndex index = spec.Type switch
        {
            IndexType.Flat => FlatIndex.Read(spec, dim, count, ref reader),
            IndexType.Hnsw => HnswIndex.Read(spec, dim, count, ref reader),
            IndexType.IvfFlat => IvfFlatIndex.Read(spec, dim, count, ref reader),
            IndexType.IvfSq8 => IvfSq8Index.Read(spec, dim, count, ref reader),
            IndexType.IvfPq => IvfPqIndex.Read(spec, dim, count, ref reader),
            IndexType.BinFlat => BinFlatIndex.Read(spec, dim, count, ref reader),
            IndexType.BinIvfFlat => BinIvfFlatIndex.Read(spec, dim, count, ref reader),
            IndexType.SparseInvertedIndex or IndexType.SparseWand => SparseInvertedIndex.Read(spec, count, ref reader),
            _ => throw new MilvusException(ErrorCode.IndexNotSupported, $"index files of type {spec.Type.ToMilvusName()} cannot be read"),
        };
        reader.EnsureEnd();
        return index;
    }

    private static void CheckShape(int length, int rowWidth, int dim)
    {
        if (length % rowWidth != 0)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"vector data of {length} elements is not a whole number of dim-{dim} vectors");
        }
    }

    private static ParallelOptions Parallelism(int threads) => new() { MaxDegreeOfParallelism = threads > 0 ? threads : -1 };
}
