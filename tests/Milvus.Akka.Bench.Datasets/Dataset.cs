using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace Milvus.Akka.Bench.Datasets;

/// <summary>
/// Base and query vectors (row-major float32): Fashion-MNIST as ann-benchmarks' fashion-mnist-784-euclidean uses it
/// (the raw 0..255 pixel values of the 60,000 training images as the base and the 10,000 test images as queries), or
/// a seeded synthetic set.
/// </summary>
public sealed class Dataset
{
    private Dataset(string name, int dim, float[] baseVectors, float[] queries)
    {
        Name = name;
        Dim = dim;
        Base = baseVectors;
        Queries = queries;
    }

    /// <summary>Names the data in reports and in cache file names: the same name means the same vectors.</summary>
    public string Name { get; }

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

        return new Dataset($"fashion-mnist-{dim}", dim, baseVectors, queries);
    }

    /// <summary>
    /// Gaussian clusters around uniformly drawn centres (one centre per 1,000 rows, at least 10), so nearest
    /// neighbours are meaningful as in embedding data, unlike uniform noise where every row is almost equally far.
    /// Queries are drawn from the same clusters but are not base rows. The same arguments give the same vectors.
    /// </summary>
    public static Dataset Synthetic(int baseCount, int dim, int queryCount, int seed)
    {
        var random = new Random(seed);
        var centres = new float[Math.Max(10, baseCount / 1000) * dim];
        for (var i = 0; i < centres.Length; i++)
        {
            centres[i] = random.NextSingle() * 2 - 1;
        }

        float[] Sample(int rows)
        {
            var vectors = new float[rows * dim];
            for (var row = 0; row < rows; row++)
            {
                var centre = centres.AsSpan(random.Next(centres.Length / dim) * dim, dim);
                var vector = vectors.AsSpan(row * dim, dim);
                for (var d = 0; d < dim; d++)
                {
                    vector[d] = centre[d] + (0.2f * Gaussian(random));
                }
            }

            return vectors;
        }

        var baseVectors = Sample(baseCount);
        return new Dataset($"synthetic-{baseCount}x{dim}-seed{seed}", dim, baseVectors, Sample(queryCount));
    }

    /// <summary>A standard normal sample (Box-Muller).</summary>
    private static float Gaussian(Random random) =>
        (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));

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
