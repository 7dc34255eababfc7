using System.Collections.Immutable;

namespace Milvus.Akka.Common;

/// <summary>
/// One field's values for a batch of rows, stored column-wise. Null rows (nullable fields) are marked in
/// <see cref="Validity"/> and hold the type's default in the value array, so values stay positionally aligned.
/// </summary>
public abstract class Column
{
    protected Column(DataType type, bool[]? validity)
    {
        Type = type;
        Validity = validity;
    }

    public DataType Type { get; }

    /// <summary>Null when every row is valid.</summary>
    public bool[]? Validity { get; }

    public abstract int Count { get; }

    public bool IsNull(int row) => Validity is { } validity && !validity[row];

    /// <summary>Stands for "every row holds a value" once <see cref="ValidRows"/> has been worked out.</summary>
    private static readonly Bitset EveryRowValid = new(0);

    private Bitset? _validRows;

    /// <summary>
    /// The rows holding a value, or null when every row does (a null vector row must never be a search hit). Worked out
    /// once per column: columns do not change after they are built, so a race only computes the same set twice.
    /// </summary>
    public Bitset? ValidRows
    {
        get
        {
            var rows = Volatile.Read(ref _validRows);
            if (rows is null)
            {
                rows = Validity is { } validity && validity.Contains(false) ? Bitset.FromBools(validity) : EveryRowValid;
                Volatile.Write(ref _validRows, rows);
            }

            return ReferenceEquals(rows, EveryRowValid) ? null : rows;
        }
    }

    /// <summary>The rows holding a value, in order: the column itself when every row does.</summary>
    public Column WithoutNullRows() => ValidRows is { } valid ? Gather(valid.SetBits()) : this;

    /// <summary>The value of one row, boxed: for output and tests, never for scans.</summary>
    public abstract object? GetValue(int row);

    /// <summary>A new column holding the given rows in the given order.</summary>
    public abstract Column Gather(ReadOnlySpan<int> rows);

    /// <summary>Appends columns of the same type end to end (sealing a growing segment's chunks).</summary>
    public static Column Concat(IReadOnlyList<Column> parts)
    {
        if (parts.Count == 0)
        {
            throw new ArgumentException("nothing to concatenate", nameof(parts));
        }

        return parts.Count == 1 ? parts[0] : parts[0].ConcatWith(parts);
    }

    protected abstract Column ConcatWith(IReadOnlyList<Column> parts);

    protected bool[]? GatherValidity(ReadOnlySpan<int> rows)
    {
        if (Validity is null)
        {
            return null;
        }

        var result = new bool[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            result[i] = Validity[rows[i]];
        }

        return result;
    }

    protected static bool[]? ConcatValidity(IReadOnlyList<Column> parts)
    {
        if (parts.All(p => p.Validity is null))
        {
            return null;
        }

        var result = new bool[parts.Sum(p => p.Count)];
        var offset = 0;
        foreach (var part in parts)
        {
            if (part.Validity is null)
            {
                result.AsSpan(offset, part.Count).Fill(true);
            }
            else
            {
                part.Validity.CopyTo(result, offset);
            }

            offset += part.Count;
        }

        return result;
    }

    protected static T[] ConcatArrays<T>(IEnumerable<T[]> arrays)
    {
        var list = arrays.ToList();
        // Every element is written below: no need to zero megabytes of vectors first.
        var result = GC.AllocateUninitializedArray<T>(list.Sum(a => a.Length));
        var offset = 0;
        foreach (var array in list)
        {
            array.CopyTo(result, offset);
            offset += array.Length;
        }

        return result;
    }
}

/// <summary>
/// Fixed-width scalars: Bool (bool), Int8/Int16/Int32 (int, as Milvus widens them on the wire), Int64 (long),
/// Float (float) and Double (double).
/// </summary>
public sealed class ScalarColumn<T> : Column where T : unmanaged
{
    public ScalarColumn(DataType type, T[] values, bool[]? validity = null) : base(type, validity)
    {
        if (validity is not null && validity.Length != values.Length)
        {
            throw new ArgumentException("validity and values differ in length");
        }

        Values = values;
    }

    public T[] Values { get; }

    public override int Count => Values.Length;

    public override object? GetValue(int row) => IsNull(row) ? null : Values[row];

    public override Column Gather(ReadOnlySpan<int> rows)
    {
        var values = GC.AllocateUninitializedArray<T>(rows.Length);
        for (var i = 0; i < rows.Length; i++)
        {
            values[i] = Values[rows[i]];
        }

        return new ScalarColumn<T>(Type, values, GatherValidity(rows));
    }

    protected override Column ConcatWith(IReadOnlyList<Column> parts) =>
        new ScalarColumn<T>(Type, ConcatArrays(parts.Select(p => ((ScalarColumn<T>)p).Values)), ConcatValidity(parts));
}

/// <summary>VarChar values.</summary>
public sealed class StringColumn : Column
{
    public StringColumn(string[] values, bool[]? validity = null) : base(DataType.VarChar, validity) => Values = values;

    public string[] Values { get; }

    public override int Count => Values.Length;

    public override object? GetValue(int row) => IsNull(row) ? null : Values[row];

    public override Column Gather(ReadOnlySpan<int> rows)
    {
        var values = new string[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            values[i] = Values[rows[i]];
        }

        return new StringColumn(values, GatherValidity(rows));
    }

    protected override Column ConcatWith(IReadOnlyList<Column> parts) =>
        new StringColumn(ConcatArrays(parts.Select(p => ((StringColumn)p).Values)), ConcatValidity(parts));
}

/// <summary>Variable-length byte values, one array per row: the storage shared by JSON and Geometry columns.</summary>
public abstract class BytesColumn(DataType type, byte[][] values, bool[]? validity) : Column(type, validity)
{
    public byte[][] Values { get; } = values;

    public override int Count => Values.Length;

    public override Column Gather(ReadOnlySpan<int> rows)
    {
        var values = new byte[rows.Length][];
        for (var i = 0; i < rows.Length; i++)
        {
            values[i] = Values[rows[i]];
        }

        return With(values, GatherValidity(rows));
    }

    protected override Column ConcatWith(IReadOnlyList<Column> parts) =>
        With(ConcatArrays(parts.Select(p => ((BytesColumn)p).Values)), ConcatValidity(parts));

    /// <summary>A column of the same type over other values.</summary>
    protected abstract BytesColumn With(byte[][] values, bool[]? validity);
}

/// <summary>JSON values as UTF-8 bytes per row (also the dynamic field <c>$meta</c>); parsed only where a filter or output needs them.</summary>
public sealed class JsonColumn(byte[][] values, bool[]? validity = null) : BytesColumn(DataType.Json, values, validity)
{
    public override object? GetValue(int row) => IsNull(row) ? null : System.Text.Encoding.UTF8.GetString(Values[row]);

    protected override BytesColumn With(byte[][] values, bool[]? validity) => new JsonColumn(values, validity);
}

/// <summary>
/// Geometry values as 2D little-endian WKB per row, as Milvus stores them (clients send WKT, which the proxy converts
/// once at insert); null rows hold no bytes.
/// </summary>
public sealed class GeometryColumn(byte[][] values, bool[]? validity = null) : BytesColumn(DataType.Geometry, values, validity)
{
    /// <summary>The row's WKB bytes.</summary>
    public override object? GetValue(int row) => IsNull(row) ? null : Values[row];

    protected override BytesColumn With(byte[][] values, bool[]? validity) => new GeometryColumn(values, validity);
}

/// <summary>
/// A vector sub-field of an array-of-struct field (<see cref="DataType.ArrayOfVector"/>): per row, its vectors of
/// <see cref="ElementType"/> packed one after another as a vector column holds them (float32 little-endian for
/// FloatVector, the packed bytes of the other types), one per struct element.
/// </summary>
public sealed class VectorArrayColumn(DataType elementType, int dim, byte[][] values, bool[]? validity = null)
    : BytesColumn(DataType.ArrayOfVector, values, validity)
{
    public DataType ElementType { get; } = elementType;

    public int Dim { get; } = dim;

    /// <summary>Bytes of one vector of the row.</summary>
    public int VectorBytes { get; } = elementType.VectorRowBytes(dim);

    /// <summary>How many vectors (struct elements) the row holds.</summary>
    public int Length(int row) => Values[row].Length / VectorBytes;

    /// <summary>One row of the column from a vector column holding the row's vectors, one per element; null for any other column.</summary>
    public static byte[]? RowOf(Column vectors) => vectors switch
    {
        VectorColumn<float> floats => System.Runtime.InteropServices.MemoryMarshal.AsBytes(floats.Values.AsSpan()).ToArray(),
        VectorColumn<byte> packed => packed.Values,
        _ => null,
    };

    /// <summary>
    /// Where each row's vectors start when all of them are numbered row after row (the entries of an index over them);
    /// one more than <see cref="Column.Count"/> long, the last the total. A null row holds none.
    /// </summary>
    public int[] ElementStarts()
    {
        var starts = new int[Count + 1];
        for (var row = 0; row < Count; row++)
        {
            starts[row + 1] = starts[row] + (IsNull(row) ? 0 : Length(row));
        }

        return starts;
    }

    /// <summary>Every row's vectors one after another, packed: what an index over the struct's elements is built from.</summary>
    public byte[] AllElements() => ConcatArrays(Values);

    /// <summary>The row's packed vectors.</summary>
    public override object? GetValue(int row) => IsNull(row) ? null : Values[row];

    protected override BytesColumn With(byte[][] values, bool[]? validity) => new VectorArrayColumn(ElementType, Dim, values, validity);
}

/// <summary>
/// Array fields: each row is a typed array of <see cref="ElementType"/> (bool[], int[], long[], float[], double[] or string[]).
/// </summary>
public sealed class ArrayColumn : Column
{
    public ArrayColumn(DataType elementType, Array[] values, bool[]? validity = null) : base(DataType.Array, validity)
    {
        ElementType = elementType;
        Values = values;
    }

    public DataType ElementType { get; }

    public Array[] Values { get; }

    public override int Count => Values.Length;

    public override object? GetValue(int row) => IsNull(row) ? null : Values[row];

    public override Column Gather(ReadOnlySpan<int> rows)
    {
        var values = new Array[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            values[i] = Values[rows[i]];
        }

        return new ArrayColumn(ElementType, values, GatherValidity(rows));
    }

    protected override Column ConcatWith(IReadOnlyList<Column> parts) =>
        new ArrayColumn(ElementType, ConcatArrays(parts.Select(p => ((ArrayColumn)p).Values)), ConcatValidity(parts));

    /// <summary>Every row's elements one after another, as a column of the element type (a null row holds none).</summary>
    public Column Elements() => ElementType switch
    {
        DataType.Bool => new ScalarColumn<bool>(DataType.Bool, ElementsOf<bool>()),
        DataType.Int8 or DataType.Int16 or DataType.Int32 => new ScalarColumn<int>(ElementType, ElementsOf<int>()),
        DataType.Int64 => new ScalarColumn<long>(DataType.Int64, ElementsOf<long>()),
        DataType.Float => new ScalarColumn<float>(DataType.Float, ElementsOf<float>()),
        DataType.Double => new ScalarColumn<double>(DataType.Double, ElementsOf<double>()),
        DataType.VarChar or DataType.String => new StringColumn(ElementsOf<string>()),
        _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"array element type {ElementType} is not supported"),
    };

    private T[] ElementsOf<T>() => ConcatArrays(Values.Select(row => row as T[] ?? []));

    /// <summary>The CLR array type that holds one row of the given element type.</summary>
    public static Type RowType(DataType elementType) => elementType switch
    {
        DataType.Bool => typeof(bool[]),
        DataType.Int8 or DataType.Int16 or DataType.Int32 => typeof(int[]),
        DataType.Int64 => typeof(long[]),
        DataType.Float => typeof(float[]),
        DataType.Double => typeof(double[]),
        DataType.VarChar or DataType.String => typeof(string[]),
        _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"array element type {elementType} is not supported"),
    };
}

/// <summary>
/// Dense vectors stored row-major in one flat array: FloatVector as float (dim per row), the packed types as byte
/// (<see cref="DataTypeExtensions.VectorRowWidth"/>: BinaryVector dim / 8, Float16Vector and BFloat16Vector 2 × dim
/// little-endian, Int8Vector dim). A null row (nullable vector field) holds zeros, so rows stay positionally aligned;
/// searches never return it.
/// </summary>
public sealed class VectorColumn<T> : Column where T : unmanaged
{
    public VectorColumn(DataType type, int dim, T[] values, bool[]? validity = null) : base(type, validity)
    {
        Dim = dim;
        Width = type.VectorRowWidth(dim);
        if (Width <= 0 || values.Length % Width != 0)
        {
            throw new ArgumentException($"vector data of length {values.Length} does not divide into rows of dim {dim}");
        }

        Values = values;
        if (validity is not null && validity.Length != Count)
        {
            throw new ArgumentException("validity and vector rows differ in length");
        }
    }

    public int Dim { get; }

    /// <summary>Elements of <typeparamref name="T"/> per row.</summary>
    public int Width { get; }

    public T[] Values { get; }

    public override int Count => Values.Length / Width;

    public ReadOnlySpan<T> Row(int row) => Values.AsSpan(row * Width, Width);

    public override object? GetValue(int row) => IsNull(row) ? null : Row(row).ToArray();

    public override Column Gather(ReadOnlySpan<int> rows)
    {
        var values = GC.AllocateUninitializedArray<T>(rows.Length * Width); // every row is copied in below
        for (var i = 0; i < rows.Length; i++)
        {
            Row(rows[i]).CopyTo(values.AsSpan(i * Width, Width));
        }

        return new VectorColumn<T>(Type, Dim, values, GatherValidity(rows));
    }

    protected override Column ConcatWith(IReadOnlyList<Column> parts) =>
        new VectorColumn<T>(Type, Dim, ConcatArrays(parts.Select(p => ((VectorColumn<T>)p).Values)), ConcatValidity(parts));
}

/// <summary>
/// SparseFloatVector values: each row in Milvus's wire form, (uint32 index, float32 value) little-endian pairs with
/// strictly increasing indices (checked on insert). Kept as sent, so storage and output need no conversion. A null row
/// (nullable field) holds no bytes.
/// </summary>
public sealed class SparseVectorColumn : Column
{
    public SparseVectorColumn(byte[][] values, bool[]? validity = null) : base(DataType.SparseFloatVector, validity) => Values = values;

    public byte[][] Values { get; }

    public override int Count => Values.Length;

    public override object? GetValue(int row) => IsNull(row) ? null : Values[row];

    public override Column Gather(ReadOnlySpan<int> rows)
    {
        var values = new byte[rows.Length][];
        for (var i = 0; i < rows.Length; i++)
        {
            values[i] = Values[rows[i]];
        }

        return new SparseVectorColumn(values, GatherValidity(rows));
    }

    protected override Column ConcatWith(IReadOnlyList<Column> parts) =>
        new SparseVectorColumn(ConcatArrays(parts.Select(p => ((SparseVectorColumn)p).Values)), ConcatValidity(parts));
}

/// <summary>A batch of rows: one column per field id, all of the same length.</summary>
public sealed class RowBatch
{
    public RowBatch(ImmutableDictionary<long, Column> columns)
    {
        Columns = columns;
        RowCount = columns.Count == 0 ? 0 : columns.Values.First().Count;
        foreach (var (fieldId, column) in columns)
        {
            if (column.Count != RowCount)
            {
                throw new ArgumentException($"column of field {fieldId} has {column.Count} rows, expected {RowCount}");
            }
        }
    }

    public ImmutableDictionary<long, Column> Columns { get; }

    public int RowCount { get; }

    public Column this[long fieldId] => Columns.TryGetValue(fieldId, out var column)
        ? column
        : throw new KeyNotFoundException($"field {fieldId} is not in this batch");

    /// <summary>The same rows with only the given fields (absent ids are ignored).</summary>
    public RowBatch Select(IEnumerable<long> fieldIds)
    {
        var builder = ImmutableDictionary.CreateBuilder<long, Column>();
        foreach (var fieldId in fieldIds)
        {
            if (Columns.TryGetValue(fieldId, out var column))
            {
                builder[fieldId] = column;
            }
        }

        return new RowBatch(builder.ToImmutable());
    }

    public RowBatch Gather(ReadOnlySpan<int> rows)
    {
        var builder = ImmutableDictionary.CreateBuilder<long, Column>();
        foreach (var (fieldId, column) in Columns)
        {
            builder[fieldId] = column.Gather(rows);
        }

        return new RowBatch(builder.ToImmutable());
    }

    public static RowBatch Concat(IReadOnlyList<RowBatch> batches)
    {
        if (batches.Count == 1)
        {
            return batches[0];
        }

        var builder = ImmutableDictionary.CreateBuilder<long, Column>();
        foreach (var fieldId in batches[0].Columns.Keys)
        {
            builder[fieldId] = Column.Concat(batches.Select(b => b[fieldId]).ToList());
        }

        return new RowBatch(builder.ToImmutable());
    }
}
