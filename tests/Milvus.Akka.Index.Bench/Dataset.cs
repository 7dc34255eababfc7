using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace Milvus.Akka.Index.Bench;

/// <summary>
/// Base and query vectors (row-major float32), as ann-benchmarks' fashion-mnist-784-euclidean uses them: the raw
/// 0..255 pixel values of the 60,000 training images as the base and the 10,000 test images as queries.
/// </summary>
internal sealed class Dataset
{
    private Dataset(int dim, float[] baseVectors, float[] queries)
    {
        Dim = dim;
        Base = baseVectors;
        Queries = queries;
    }

    public int Dim { get; }

    public float[] Base { get; }

    public float[] Queries { get; }

    public int BaseCount => Base.Length / Dim;

    public int QueryCount => Queries.Length / Dim;

    public ReadOnlySpan<float> BaseRow(int id) => Base.AsSpan(id * Dim, Dim);

    public ReadOnlySpan<float> Query(int q) => Queries.AsSpan(q * Dim, Dim);

    public static Dataset LoadFashionMnist(string directory, int baseCount, int queryCount)
    {
        var (dim, baseVectors) = ReadIdxImages(Path.Combine(directory, "train-images-idx3-ubyte.gz"), baseCount);
        var (queryDim, queries) = ReadIdxImages(Path.Combine(directory, "t10k-images-idx3-ubyte.gz"), queryCount);
        if (dim != queryDim)
        {
            throw new InvalidDataException($"train images have {dim} pixels but test images {queryDim}");
        }

        return new Dataset(dim, baseVectors, queries);
    }

    /// <summary>Writes base.f32 and queries.f32 (int32 rows, int32 dim, float32 data) for the external engines.</summary>
    public void WriteExchangeFiles(string directory)
    {
        WriteMatrix(Path.Combine(directory, "base.f32"), Base, BaseCount);
        WriteMatrix(Path.Combine(directory, "queries.f32"), Queries, QueryCount);
    }

    /// <summary>IDX3 (big-endian magic 0x803, count, rows, cols, then unsigned bytes), gzip-compressed.</summary>
    private static (int Dim, float[] Vectors) ReadIdxImages(string path, int limit)
    {
        using var stream = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        Span<byte> header = stackalloc byte[16];
        stream.ReadExactly(header);
        if (BinaryPrimitives.ReadInt32BigEndian(header) != 0x803)
        {
            throw new InvalidDataException($"{path} is not an IDX3 image file");
        }

        var count = Math.Min(limit, BinaryPrimitives.ReadInt32BigEndian(header[4..]));
        var dim = BinaryPrimitives.ReadInt32BigEndian(header[8..]) * BinaryPrimitives.ReadInt32BigEndian(header[12..]);
        var pixels = new byte[count * dim];
        stream.ReadExactly(pixels);
        var vectors = new float[pixels.Length];
        for (var i = 0; i < pixels.Length; i++)
        {
            vectors[i] = pixels[i];
        }

        return (dim, vectors);
    }

    private void WriteMatrix(string path, float[] data, int rows)
    {
        using var file = File.Create(path);
        Span<int> header = [rows, Dim];
        file.Write(MemoryMarshal.AsBytes(header));
        file.Write(MemoryMarshal.AsBytes(data.AsSpan()));
    }
}
