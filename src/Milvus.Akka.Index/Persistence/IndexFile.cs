using System.Buffers.Binary;
using System.IO.Hashing;
using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Milvus.Akka.Common;

namespace Milvus.Akka.Index.Persistence;

/// <summary>
/// The index file layout: magic "MAKI", format version, a body (spec, dim, count, index payload) and a trailer of
/// body length, CRC-32 of everything before the trailer, and end magic "IKAM". Little-endian throughout.
/// </summary>
internal static class IndexFile
{
    public const uint FormatVersion = 1;
    public const int HeaderSize = 8;
    public const int TrailerSize = 16;
    public static ReadOnlySpan<byte> Magic => "MAKI"u8;
    public static ReadOnlySpan<byte> EndMagic => "IKAM"u8;

    /// <summary>Verifies framing and checksum, then returns a reader positioned on the payload with the header fields decoded.</summary>
    public static IndexFileReader Open(ReadOnlySpan<byte> file, out IndexSpec spec, out int dim, out int count)
    {
        if (file.Length < HeaderSize + TrailerSize)
        {
            throw Corrupt($"truncated index file: {file.Length} bytes is shorter than the smallest valid file ({HeaderSize + TrailerSize} bytes)");
        }

        if (!file[..4].SequenceEqual(Magic))
        {
            throw Corrupt("not a Milvus.Akka index file: the magic number is missing");
        }

        var version = BinaryPrimitives.ReadUInt32LittleEndian(file[4..]);
        if (version != FormatVersion)
        {
            throw Corrupt($"unsupported index file format version {version}; this build reads version {FormatVersion}");
        }

        var trailer = file[^TrailerSize..];
        if (!trailer[12..].SequenceEqual(EndMagic))
        {
            throw Corrupt("truncated or corrupt index file: the trailer is missing");
        }

        var bodyLength = BinaryPrimitives.ReadInt64LittleEndian(trailer);
        if (bodyLength != file.Length - HeaderSize - TrailerSize)
        {
            throw Corrupt($"truncated or corrupt index file: the trailer declares a {bodyLength}-byte body but {file.Length - HeaderSize - TrailerSize} bytes are present");
        }

        var stored = BinaryPrimitives.ReadUInt32LittleEndian(trailer[8..]);
        var computed = Crc32.HashToUInt32(file[..^TrailerSize]);
        if (stored != computed)
        {
            throw Corrupt($"corrupt index file: CRC-32 mismatch (stored {stored:X8}, computed {computed:X8})");
        }

        var reader = new IndexFileReader(file[HeaderSize..^TrailerSize]);
        var type = (IndexType)reader.ReadByte();
        var metric = (MetricType)reader.ReadByte();
        if (!Enum.IsDefined(type) || !Enum.IsDefined(metric))
        {
            throw Corrupt($"corrupt index file: unknown index type {(int)type} or metric {(int)metric}");
        }

        dim = reader.ReadInt32();
        count = reader.ReadInt32();
        var paramCount = reader.ReadInt32();
        var parameters = new Dictionary<string, string>(paramCount);
        for (var i = 0; i < paramCount; i++)
        {
            parameters[reader.ReadString()] = reader.ReadString();
        }

        spec = new IndexSpec(type, metric, parameters);
        return reader;
    }

    /// <summary>Maps the file read-only and hands its bytes to <paramref name="parse"/> without copying the file into managed memory.</summary>
    public static unsafe TResult MapFile<TResult>(string path, Func<IntPtr, int, TResult> parse)
    {
        var length = new FileInfo(path).Length;
        if (length < HeaderSize + TrailerSize)
        {
            throw Corrupt($"truncated index file '{path}': {length} bytes is shorter than the smallest valid file");
        }

        if (length > int.MaxValue)
        {
            throw new MilvusException(ErrorCode.ParameterTooLarge, $"index file '{path}' is {length} bytes; files above 2 GiB are not supported");
        }

        using var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        using var view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        try
        {
            return parse((IntPtr)(pointer + view.PointerOffset), (int)length);
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }

    public static MilvusException Corrupt(string message) => new(ErrorCode.IoFailed, message);
}

/// <summary>Streams an index file to its destination, checksumming as it goes.</summary>
internal sealed class IndexFileWriter
{
    private readonly Stream _destination;
    private readonly Crc32 _crc = new();
    private long _bodyLength;

    public IndexFileWriter(Stream destination, IndexSpec spec, int dim, int count)
    {
        _destination = destination;
        Span<byte> header = stackalloc byte[IndexFile.HeaderSize];
        IndexFile.Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], IndexFile.FormatVersion);
        _destination.Write(header);
        _crc.Append(header);

        WriteByte((byte)spec.Type);
        WriteByte((byte)spec.Metric);
        WriteInt32(dim);
        WriteInt32(count);
        WriteInt32(spec.Params.Count);
        foreach (var (key, value) in spec.Params.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            WriteString(key);
            WriteString(value);
        }
    }

    public void WriteByte(byte value) => Emit([value]);

    public void WriteInt32(int value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(int)];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        Emit(bytes);
    }

    public void WriteString(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        WriteInt32(bytes.Length);
        Emit(bytes);
    }

    /// <summary>Writes a length-prefixed array of plain values (length in elements).</summary>
    public void WriteArray<T>(ReadOnlySpan<T> values)
        where T : unmanaged
    {
        WriteInt32(values.Length);
        Emit(MemoryMarshal.AsBytes(values));
    }

    public void Complete()
    {
        Span<byte> trailer = stackalloc byte[IndexFile.TrailerSize];
        BinaryPrimitives.WriteInt64LittleEndian(trailer, _bodyLength);
        BinaryPrimitives.WriteUInt32LittleEndian(trailer[8..], _crc.GetCurrentHashAsUInt32());
        IndexFile.EndMagic.CopyTo(trailer[12..]);
        _destination.Write(trailer);
        _destination.Flush();
    }

    private void Emit(ReadOnlySpan<byte> bytes)
    {
        _destination.Write(bytes);
        _crc.Append(bytes);
        _bodyLength += bytes.Length;
    }
}

/// <summary>Reads the checksummed body; every read is bounds-checked so a malformed payload fails with a clear error.</summary>
internal ref struct IndexFileReader
{
    private readonly ReadOnlySpan<byte> _body;
    private int _position;

    public IndexFileReader(ReadOnlySpan<byte> body)
    {
        _body = body;
        _position = 0;
    }

    public readonly bool AtEnd => _position == _body.Length;

    public byte ReadByte() => Take(1)[0];

    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(sizeof(int)));

    public string ReadString()
    {
        var length = ReadInt32();
        return Encoding.UTF8.GetString(Take(length));
    }

    /// <summary>Reads an array written by <see cref="IndexFileWriter.WriteArray{T}"/>, checking its length against <paramref name="expected"/>.</summary>
    public T[] ReadArray<T>(long expected)
        where T : unmanaged
    {
        var length = ReadInt32();
        if (length != expected)
        {
            throw IndexFile.Corrupt($"corrupt index file: an array holds {length} elements where {expected} were expected");
        }

        return MemoryMarshal.Cast<byte, T>(Take(checked(length * Unsafe.SizeOf<T>()))).ToArray();
    }

    /// <summary>Fails unless the whole payload was consumed, so a body with trailing garbage is not accepted.</summary>
    public readonly void EnsureEnd()
    {
        if (!AtEnd)
        {
            throw IndexFile.Corrupt($"corrupt index file: {_body.Length - _position} unexpected bytes after the payload");
        }
    }

    private ReadOnlySpan<byte> Take(int length)
    {
        if (length < 0 || length > _body.Length - _position)
        {
            throw IndexFile.Corrupt("corrupt index file: the payload ends before its declared contents");
        }

        var slice = _body.Slice(_position, length);
        _position += length;
        return slice;
    }
}
