namespace Milvus.Akka.Common;

/// <summary>Milvus field types; the numeric values are those of milvus.proto.schema.DataType.</summary>
public enum DataType
{
    None = 0,
    Bool = 1,
    Int8 = 2,
    Int16 = 3,
    Int32 = 4,
    Int64 = 5,
    Float = 10,
    Double = 11,
    String = 20,
    VarChar = 21,
    Array = 22,
    Json = 23,
    Geometry = 24,
    /// <summary>Milvus 2.6's TIMESTAMPTZ: an instant stored as microseconds since the Unix epoch (see <see cref="Timestamptz"/>).</summary>
    Timestamptz = 26,
    BinaryVector = 100,
    FloatVector = 101,
    Float16Vector = 102,
    BFloat16Vector = 103,
    SparseFloatVector = 104,
    Int8Vector = 105,
    /// <summary>
    /// A vector sub-field of an array-of-struct field: per row, a list of vectors of the sub-field's element type
    /// (Milvus's embedding list), as many as the row's struct elements.
    /// </summary>
    ArrayOfVector = 106,
}

public static class DataTypeExtensions
{
    public static bool IsVector(this DataType type) => (int)type is >= 100 and < 200;

    public static bool IsInteger(this DataType type) => type is DataType.Int8 or DataType.Int16 or DataType.Int32 or DataType.Int64;

    public static bool IsNumeric(this DataType type) => type.IsInteger() || type is DataType.Float or DataType.Double;

    public static bool IsString(this DataType type) => type is DataType.VarChar or DataType.String;

    /// <summary>
    /// Dense vectors stored as packed bytes: BinaryVector (dim/8 bytes per row), Float16Vector and BFloat16Vector
    /// (2 bytes per dimension, converted to float32 where they are searched) and Int8Vector (1 byte per dimension).
    /// </summary>
    public static bool IsPackedVector(this DataType type) =>
        type is DataType.BinaryVector or DataType.Float16Vector or DataType.BFloat16Vector or DataType.Int8Vector;

    /// <summary>Vectors searched by the float kernels (L2, IP, COSINE): float32 and the packed types converted to it.</summary>
    public static bool IsFloatFamilyVector(this DataType type) =>
        type is DataType.FloatVector or DataType.Float16Vector or DataType.BFloat16Vector or DataType.Int8Vector;

    /// <summary>Elements of a vector column's array per row: floats for FloatVector, bytes for the packed types.</summary>
    public static int VectorRowWidth(this DataType type, int dim) => type switch
    {
        DataType.BinaryVector => dim / 8,
        DataType.Float16Vector or DataType.BFloat16Vector => dim * 2,
        _ => dim,
    };

    /// <summary>Bytes of one vector of a dense type as stored and sent: float32 little-endian, or the packed bytes.</summary>
    public static int VectorRowBytes(this DataType type, int dim) => type.VectorRowWidth(dim) * (type == DataType.FloatVector ? sizeof(float) : 1);
}
