using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Milvus.Akka.Common;

/// <summary>
/// A fixed-length set of row offsets, one bit per row: filter results, delete masks and partition masks
/// are combined with word-wise operations and handed to the vector index as its allow-list.
/// </summary>
public sealed class Bitset
{
    private readonly ulong[] _words;

    public Bitset(int length, bool initial = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
        _words = new ulong[(length + 63) >> 6];
        if (initial)
        {
            SetAll();
        }
    }

    public int Length { get; }

    public ReadOnlySpan<ulong> Words => _words;

    public static Bitset AllSet(int length) => new(length, initial: true);

    /// <summary>Bits set where <paramref name="values"/> is true, 64 rows a word (SIMD where available).</summary>
    public static Bitset FromBools(ReadOnlySpan<bool> values)
    {
        var result = new Bitset(values.Length);
        var words = result._words;
        var bytes = MemoryMarshal.AsBytes(values);
        for (var w = 0; w < words.Length; w++)
        {
            var start = w << 6;
            var count = Math.Min(64, bytes.Length - start);
            ulong word = 0;
            if (count == 64 && Vector256.IsHardwareAccelerated)
            {
                ref var first = ref MemoryMarshal.GetReference(bytes);
                var low = Vector256.LoadUnsafe(ref first, (nuint)start);
                var high = Vector256.LoadUnsafe(ref first, (nuint)(start + 32));
                word = (ulong)~Vector256.Equals(low, Vector256<byte>.Zero).ExtractMostSignificantBits()
                    | ((ulong)~Vector256.Equals(high, Vector256<byte>.Zero).ExtractMostSignificantBits() << 32);
            }
            else
            {
                for (var i = 0; i < count; i++)
                {
                    word |= (ulong)(bytes[start + i] != 0 ? 1 : 0) << i;
                }
            }

            words[w] = word;
        }

        return result;
    }

    public bool this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (_words[index >> 6] & (1UL << index)) != 0;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set
        {
            if (value)
            {
                _words[index >> 6] |= 1UL << index;
            }
            else
            {
                _words[index >> 6] &= ~(1UL << index);
            }
        }
    }

    public void SetAll()
    {
        Array.Fill(_words, ulong.MaxValue);
        ClearTail();
    }

    public void ClearAll() => Array.Clear(_words);

    public Bitset Clone()
    {
        var copy = new Bitset(Length);
        _words.CopyTo(copy._words, 0);
        return copy;
    }

    /// <summary>A copy covering <paramref name="length"/> rows (at least <see cref="Length"/>); the added rows are clear.</summary>
    public Bitset Extend(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, Length);
        var copy = new Bitset(length);
        _words.CopyTo(copy._words, 0);
        return copy;
    }

    /// <summary>Sets the bits at <paramref name="rows"/> (each below <see cref="Length"/>): a posting list into a row set.</summary>
    public Bitset Set(ReadOnlySpan<int> rows)
    {
        var words = _words;
        foreach (var row in rows)
        {
            words[row >> 6] |= 1UL << row;
        }

        return this;
    }

    /// <summary>ORs in the words of another set of the same length (a stored bitmap, no Bitset around it).</summary>
    public Bitset Or(ReadOnlySpan<ulong> words)
    {
        if (words.Length != _words.Length)
        {
            throw new ArgumentException($"bitmap of {words.Length} words, expected {_words.Length}", nameof(words));
        }

        for (var i = 0; i < _words.Length; i++)
        {
            _words[i] |= words[i];
        }

        return this;
    }

    public Bitset And(Bitset other)
    {
        CheckSameLength(other);
        for (var i = 0; i < _words.Length; i++)
        {
            _words[i] &= other._words[i];
        }

        return this;
    }

    public Bitset Or(Bitset other)
    {
        CheckSameLength(other);
        for (var i = 0; i < _words.Length; i++)
        {
            _words[i] |= other._words[i];
        }

        return this;
    }

    public Bitset AndNot(Bitset other)
    {
        CheckSameLength(other);
        for (var i = 0; i < _words.Length; i++)
        {
            _words[i] &= ~other._words[i];
        }

        return this;
    }

    public Bitset Not()
    {
        for (var i = 0; i < _words.Length; i++)
        {
            _words[i] = ~_words[i];
        }

        ClearTail();
        return this;
    }

    public int PopCount()
    {
        var count = 0;
        foreach (var word in _words)
        {
            count += BitOperations.PopCount(word);
        }

        return count;
    }

    /// <summary>The set bits in ascending order.</summary>
    public int[] SetBits()
    {
        var bits = new int[PopCount()];
        var next = 0;
        foreach (var bit in this)
        {
            bits[next++] = bit;
        }

        return bits;
    }

    /// <summary>Enumerates the set bits in ascending order without allocating.</summary>
    public SetBitEnumerator GetEnumerator() => new(_words);

    private void ClearTail()
    {
        var tail = Length & 63;
        if (tail != 0)
        {
            _words[^1] &= (1UL << tail) - 1;
        }
    }

    private void CheckSameLength(Bitset other)
    {
        if (other.Length != Length)
        {
            throw new ArgumentException($"bitset lengths differ: {Length} and {other.Length}", nameof(other));
        }
    }

    public ref struct SetBitEnumerator
    {
        private readonly ReadOnlySpan<ulong> _words;
        private int _wordIndex;
        private ulong _current;

        internal SetBitEnumerator(ReadOnlySpan<ulong> words)
        {
            _words = words;
            _wordIndex = -1;
            _current = 0;
            Current = -1;
        }

        public int Current { get; private set; }

        public bool MoveNext()
        {
            while (_current == 0)
            {
                if (++_wordIndex >= _words.Length)
                {
                    return false;
                }

                _current = _words[_wordIndex];
            }

            Current = (_wordIndex << 6) + BitOperations.TrailingZeroCount(_current);
            _current &= _current - 1;
            return true;
        }
    }
}
