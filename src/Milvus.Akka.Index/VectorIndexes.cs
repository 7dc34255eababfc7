using Milvus.Akka.Common;
using Milvus.Akka.Index.Binary;
using Milvus.Akka.Index.Hnsw;
using Milvus.Akka.Index.Ivf;
using Milvus.Akka.Index.Persistence;

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
        if (spec.Type.IsBinary())
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"index type {spec.Type.ToMilvusName()} indexes binary vectors; use BuildBinary");
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

    /// <summary>Loads a float-vector index saved by <see cref="IVectorIndex.Save"/>; corrupt or truncated data is rejected.</summary>
    public static IVectorIndex Load(ReadOnlyMemory<byte> bytes) => ParseFloat(bytes.Span);

    public static IBinaryVectorIndex LoadBinary(ReadOnlyMemory<byte> bytes) => ParseBinary(bytes.Span);

    /// <summary>Loads a float-vector index file through a read-only memory map (no intermediate copy of the file).</summary>
    public static IVectorIndex LoadFile(string path) => IndexFile.MapFile(path, ParseFloat);

    public static IBinaryVectorIndex LoadBinaryFile(string path) => IndexFile.MapFile(path, ParseBinary);

    private static unsafe IVectorIndex ParseFloat(IntPtr data, int length) => ParseFloat(new ReadOnlySpan<byte>((void*)data, length));

    private static unsafe IBinaryVectorIndex ParseBinary(IntPtr data, int length) => ParseBinary(new ReadOnlySpan<byte>((void*)data, length));

    private static IVectorIndex ParseFloat(ReadOnlySpan<byte> file)
    {
        var reader = IndexFile.Open(file, out var spec, out var dim, out var count);
        if (spec.Type.IsBinary())
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"the file holds a binary {spec.Type.ToMilvusName()} index; use LoadBinary");
        }

        IVectorIndex index = spec.Type switch
        {
            IndexType.Flat => FlatIndex.Read(spec, dim, count, ref reader),
            IndexType.Hnsw => HnswIndex.Read(spec, dim, count, ref reader),
            IndexType.IvfFlat => IvfFlatIndex.Read(spec, dim, count, ref reader),
            IndexType.IvfSq8 => IvfSq8Index.Read(spec, dim, count, ref reader),
            _ => IvfPqIndex.Read(spec, dim, count, ref reader),
        };
        reader.EnsureEnd();
        return index;
    }

    private static IBinaryVectorIndex ParseBinary(ReadOnlySpan<byte> file)
    {
        var reader = IndexFile.Open(file, out var spec, out var dim, out var count);
        if (!spec.Type.IsBinary())
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"the file holds a float {spec.Type.ToMilvusName()} index; use Load");
        }

        IBinaryVectorIndex index = spec.Type == IndexType.BinFlat
            ? BinFlatIndex.Read(spec, dim, count, ref reader)
            : BinIvfFlatIndex.Read(spec, dim, count, ref reader);
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
