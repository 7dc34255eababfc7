using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Milvus.Akka.Common;

namespace Milvus.Akka.Index;

/// <summary>
/// Converts the packed float-family vectors (Float16Vector, BFloat16Vector, Int8Vector) to the float32 the kernels
/// search, a whole block of rows at a time with SIMD. Columns keep them packed; only index builds, the growing scan
/// index and query vectors hold the float32 form.
/// </summary>
public static class PackedVectors
{
    /// <summary>Converts <paramref name="packed"/> rows of <paramref name="type"/> into <paramref name="destination"/> (one float per dimension).</summary>
    public static void ToSingle(DataType type, ReadOnlySpan<byte> packed, Span<float> destination)
    {
        switch (type)
        {
            case DataType.Float16Vector:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(packed), destination);
                break;
            case DataType.BFloat16Vector:
                BFloat16ToSingle(MemoryMarshal.Cast<byte, ushort>(packed), destination);
                break;
            case DataType.Int8Vector:
                TensorPrimitives.ConvertChecked(MemoryMarshal.Cast<byte, sbyte>(packed), destination);
                break;
            default:
                throw new MilvusException(ErrorCode.ParameterInvalid, $"{type} is not a packed float vector type");
        }
    }

    /// <summary>The float32 form of <paramref name="packed"/> rows of <paramref name="type"/>; FloatVector bytes are reinterpreted.</summary>
    public static float[] ToSingle(DataType type, ReadOnlySpan<byte> packed)
    {
        if (type == DataType.FloatVector)
        {
            return MemoryMarshal.Cast<byte, float>(packed).ToArray();
        }

        var result = new float[packed.Length / (type.VectorRowWidth(1))];
        ToSingle(type, packed, result);
        return result;
    }

    /// <summary>
    /// Packs float32 values into <paramref name="destination"/> as <paramref name="type"/> (Float16Vector,
    /// BFloat16Vector rounded to nearest even, Int8Vector, which must hold whole numbers in [-128, 127]).
    /// </summary>
    public static void FromSingle(DataType type, ReadOnlySpan<float> source, Span<byte> destination)
    {
        switch (type)
        {
            case DataType.Float16Vector:
                TensorPrimitives.ConvertToHalf(source, MemoryMarshal.Cast<byte, Half>(destination));
                break;
            case DataType.BFloat16Vector:
                var halves = MemoryMarshal.Cast<byte, ushort>(destination);
                for (var i = 0; i < source.Length; i++)
                {
                    var bits = BitConverter.SingleToUInt32Bits(source[i]);
                    halves[i] = float.IsNaN(source[i]) ? (ushort)((bits >> 16) | 0x40) : (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
                }

                break;
            case DataType.Int8Vector:
                var bytes = MemoryMarshal.Cast<byte, sbyte>(destination);
                for (var i = 0; i < source.Length; i++)
                {
                    bytes[i] = source[i] is >= sbyte.MinValue and <= sbyte.MaxValue && source[i] == MathF.Truncate(source[i])
                        ? (sbyte)source[i]
                        : throw new MilvusException(ErrorCode.ParameterInvalid, $"{source[i]} is not an int8 (a whole number in [-128, 127])");
                }

                break;
            default:
                throw new MilvusException(ErrorCode.ParameterInvalid, $"{type} is not a packed float vector type");
        }
    }

    /// <summary>bfloat16 is the upper half of a float32, so widening each value and shifting it left by 16 bits is exact.</summary>
    private static void BFloat16ToSingle(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException("destination is too short", nameof(destination));
        }

        var bits = MemoryMarshal.Cast<float, uint>(destination);
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= source.Length - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                var (lower, upper) = Vector256.Widen(Vector256.Create(source[i..]));
                (lower << 16).CopyTo(bits[i..]);
                (upper << 16).CopyTo(bits[(i + Vector256<uint>.Count)..]);
            }
        }

        for (; i < source.Length; i++)
        {
            bits[i] = (uint)source[i] << 16;
        }
    }
}
