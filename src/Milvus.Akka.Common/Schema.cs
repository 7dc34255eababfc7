using System.Collections.Immutable;
using System.Globalization;

namespace Milvus.Akka.Common;

/// <summary>
/// One field of a collection. <see cref="TypeParams"/> keeps every type parameter the client sent
/// (dim, max_length, max_capacity, analyzer params, mmap...), so options we don't act on are echoed back as sent.
/// </summary>
public sealed record FieldSchema
{
    public const string DimKey = "dim";
    public const string MaxLengthKey = "max_length";
    public const string MaxCapacityKey = "max_capacity";

    public required long FieldId { get; init; }
    public required string Name { get; init; }
    public required DataType DataType { get; init; }
    public string Description { get; init; } = "";
    public bool IsPrimaryKey { get; init; }
    public bool AutoId { get; init; }
    public bool IsPartitionKey { get; init; }
    public bool IsClusteringKey { get; init; }
    public bool IsDynamic { get; init; }
    public bool Nullable { get; init; }
    public DataType ElementType { get; init; }

    /// <summary>Written by a collection function (BM25 or text embedding): clients never send it.</summary>
    public bool IsFunctionOutput { get; init; }

    /// <summary>
    /// Written by a BM25 function: searched by query texts under metric BM25 and never read back. BM25 is the only
    /// function writing sparse vectors (text embeddings write dense ones), so the field alone tells.
    /// </summary>
    public bool IsBm25Output => IsFunctionOutput && DataType == DataType.SparseFloatVector;

    /// <summary>A MinHash function's output: the only function writing binary vectors.</summary>
    public bool IsMinHashOutput => IsFunctionOutput && DataType == DataType.BinaryVector;

    /// <summary>
    /// The array-of-struct field this field is a sub-field of (0: a field of its own). A sub-field is an Array of its
    /// scalar type or an <see cref="DataType.ArrayOfVector"/>, one element per struct element, named
    /// <c>struct[sub]</c> (<see cref="StructFieldSchema.SubFieldName"/>) as Milvus names it in requests.
    /// </summary>
    public long StructFieldId { get; init; }

    /// <summary>The name a client knows the field by inside its struct (the whole name for a field of its own).</summary>
    public string ShortName => StructFieldId == 0 ? Name : Name[(Name.IndexOf('[') + 1)..^1];

    /// <summary>One element of an Array or ArrayOfVector field, as a field of the element type (dim, max_length kept).</summary>
    public FieldSchema ElementField => this with { DataType = ElementType, ElementType = DataType.None };

    /// <summary>Default for absent or null values: bool, int, long, float, double or string, matching <see cref="DataType"/>.</summary>
    public object? DefaultValue { get; init; }

    public ImmutableSortedDictionary<string, string> TypeParams { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    public int Dim => IntParam(DimKey);

    public int MaxLength => IntParam(MaxLengthKey);

    public int MaxCapacity => IntParam(MaxCapacityKey);

    private int IntParam(string key) =>
        TypeParams.TryGetValue(key, out var value) && int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;

    public bool Equals(FieldSchema? other) => other is not null && FieldId == other.FieldId && Name == other.Name
        && DataType == other.DataType && Description == other.Description && IsPrimaryKey == other.IsPrimaryKey
        && AutoId == other.AutoId && IsPartitionKey == other.IsPartitionKey && IsClusteringKey == other.IsClusteringKey
        && IsDynamic == other.IsDynamic && Nullable == other.Nullable && ElementType == other.ElementType
        && IsFunctionOutput == other.IsFunctionOutput && StructFieldId == other.StructFieldId
        && Equals(DefaultValue, other.DefaultValue) && TypeParams.SequenceEqual(other.TypeParams);

    public override int GetHashCode() => HashCode.Combine(FieldId, Name, DataType);
}

/// <summary>
/// An array-of-struct field (Milvus's StructArrayField): each row holds up to <see cref="MaxCapacity"/> structs of the
/// same sub-fields. The values live in the sub-fields (fields of the schema whose <see cref="FieldSchema.StructFieldId"/>
/// is this id), element i of every sub-field making struct i.
/// </summary>
public sealed record StructFieldSchema
{
    public required long FieldId { get; init; }
    public required string Name { get; init; }
    public string Description { get; init; } = "";

    /// <summary>Every type parameter the client sent for the struct (max_capacity, mmap...), echoed back as sent.</summary>
    public ImmutableSortedDictionary<string, string> TypeParams { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    public int MaxCapacity => TypeParams.TryGetValue(FieldSchema.MaxCapacityKey, out var value)
        && int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;

    public static string SubFieldName(string structName, string subName) => $"{structName}[{subName}]";

    public bool Equals(StructFieldSchema? other) => other is not null && FieldId == other.FieldId && Name == other.Name
        && Description == other.Description && TypeParams.SequenceEqual(other.TypeParams);

    public override int GetHashCode() => HashCode.Combine(FieldId, Name);
}

/// <summary>A collection's schema. Field ids of user fields start at 100, as in Milvus.</summary>
public sealed record CollectionSchema
{
    public const long FirstUserFieldId = 100;
    public const string DynamicFieldName = "$meta";

    public required string Name { get; init; }
    public string Description { get; init; } = "";
    public required ImmutableArray<FieldSchema> Fields { get; init; }
    public bool EnableDynamicField { get; init; }
    public ImmutableSortedDictionary<string, string> Properties { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    /// <summary>Functions that compute fields from others at insert (BM25: a VarChar's terms into a sparse field).</summary>
    public ImmutableArray<FunctionSchema> Functions { get; init; } = [];

    /// <summary>Array-of-struct fields; their sub-fields are among <see cref="Fields"/>.</summary>
    public ImmutableArray<StructFieldSchema> StructFields { get; init; } = [];

    public StructFieldSchema? FindStruct(string name) => StructFields.FirstOrDefault(s => s.Name == name);

    public StructFieldSchema? FindStruct(long fieldId) => StructFields.FirstOrDefault(s => s.FieldId == fieldId);

    /// <summary>The sub-fields of an array-of-struct field, in schema order.</summary>
    public IEnumerable<FieldSchema> SubFields(long structFieldId) => Fields.Where(f => f.StructFieldId == structFieldId);

    /// <summary>Milvus's schema version: 0 at creation, one more for each field AddCollectionField added.</summary>
    public int Version { get; init; }

    public FieldSchema PrimaryKey => Fields.First(f => f.IsPrimaryKey);

    public FieldSchema? DynamicField => Fields.FirstOrDefault(f => f.IsDynamic);

    public FieldSchema? PartitionKey => Fields.FirstOrDefault(f => f.IsPartitionKey);

    public IEnumerable<FieldSchema> VectorFields => Fields.Where(f => f.DataType.IsVector());

    public FieldSchema? FindField(string name) => Fields.FirstOrDefault(f => f.Name == name);

    public FieldSchema? FindField(long fieldId) => Fields.FirstOrDefault(f => f.FieldId == fieldId);

    /// <summary>The schema restricted to the given fields, in schema order: what a partial load holds in memory.</summary>
    public CollectionSchema WithOnlyFields(IEnumerable<long> fieldIds)
    {
        var kept = fieldIds.ToHashSet();
        return this with { Fields = [.. Fields.Where(f => kept.Contains(f.FieldId))] };
    }

    /// <summary>
    /// This schema (the whole collection's, or a partial load's selection of it) after the fields that
    /// <paramref name="latest"/> added to the collection: AddCollectionField gives a nullable field an id above
    /// every earlier one, and the dynamic field when the collection enabled it later (dynamicfield.enabled). (A partial
    /// load that left out a nullable field with a higher id than it kept gains that field too, reading null; the proxy
    /// refuses reads of fields a load left out. One that skipped the dynamic field keeps skipping it.) This schema
    /// itself when <paramref name="latest"/> is not newer.
    /// </summary>
    public CollectionSchema WidenedTo(CollectionSchema latest)
    {
        if (latest.Version <= Version)
        {
            return this;
        }

        var highest = Fields.Max(f => f.FieldId);
        var gainsDynamicField = latest.EnableDynamicField && !EnableDynamicField;
        return this with
        {
            Fields = Fields.AddRange(latest.Fields.Where(f => f.FieldId > highest && f.Nullable && (!f.IsDynamic || gainsDynamicField))),
            EnableDynamicField = EnableDynamicField || latest.EnableDynamicField,
            Version = latest.Version,
        };
    }

    public bool Equals(CollectionSchema? other) => other is not null && Name == other.Name && Description == other.Description
        && EnableDynamicField == other.EnableDynamicField && Fields.SequenceEqual(other.Fields) && Properties.SequenceEqual(other.Properties)
        && Functions.SequenceEqual(other.Functions) && Version == other.Version && StructFields.SequenceEqual(other.StructFields);

    public override int GetHashCode() => HashCode.Combine(Name, Fields.Length);
}
