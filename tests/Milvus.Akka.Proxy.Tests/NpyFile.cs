using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>Writes <c>.npy</c> files as <c>numpy.save</c> does (format 1.0, the header padded with spaces to 64 bytes, C order).</summary>
internal static class NpyFile
{
    public static byte[] Of<T>(string descr, T[] values, params int[] shape) where T : unmanaged =>
        Write(descr, MemoryMarshal.AsBytes(values.AsSpan()), shape.Length == 0 ? [values.Length] : shape);

    /// <summary>A fixed-width unicode array (<c>&lt;U{width}</c>, UTF-32 padded with zeros), as NumPy saves a list of str.</summary>
    public static byte[] Strings(params string[] values)
    {
        var width = values.Max(v => Encoding.UTF32.GetByteCount(v) / 4);
        var data = new byte[values.Length * width * 4];
        for (var i = 0; i < values.Length; i++)
        {
            Encoding.UTF32.GetBytes(values[i], data.AsSpan(i * width * 4));
        }

        return Write($"<U{width}", data, [values.Length]);
    }

    public static byte[] Write(string descr, ReadOnlySpan<byte> data, int[] shape, bool fortranOrder = false)
    {
        var dims = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        var header = $"{{'descr': '{descr}', 'fortran_order': {(fortranOrder ? "True" : "False")}, 'shape': {dims}, }}";
        var total = (10 + header.Length + 1 + 63) / 64 * 64;
        header = header.PadRight(total - 10 - 1) + "\n";
        var file = new byte[total + data.Length];
        file[0] = 0x93;
        "NUMPY"u8.CopyTo(file.AsSpan(1));
        file[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(8), (ushort)header.Length);
        Encoding.ASCII.GetBytes(header, file.AsSpan(10));
        data.CopyTo(file.AsSpan(total));
        return file;
    }
}
