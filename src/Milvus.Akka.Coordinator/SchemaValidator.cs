using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using Milvus.Akka.Common;
using Milvus.Akka.Text;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// Checks a schema as Milvus does and completes it: assigns field ids from 100, adds the hidden dynamic field
/// <c>$meta</c> when dynamic fields are on. Every rejection names the field and the rule.
/// </summary>
public static partial class SchemaValidator
{
    public const int MaxNameLength = 255;
    public const int MaxFields = 64;
    public const int MaxVectorFields = 4;
    public const int MaxDim = 32_768;
    public const int MaxVarCharLength = 65_535;
    public const int MaxArrayCapacity = 4096;

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex NamePattern();

    /// <summary>Milvus name rules for databases, collections, partitions, aliases, fields and indexes.</summary>
    public static void CheckName(string? name, string what)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"{what} name should not be empty");
        }

        if (name.Length > MaxNameLength)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"the length of {what} name '{name}' must be at most {MaxNameLength} characters");
        }

        if (!NamePattern().IsMatch(name))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"{what} name '{name}' is invalid: it must start with a letter or an underscore and contain only letters, digits and underscores");
        }
    }

    public static CollectionSchema Complete(CollectionSchema schema)
    {
        CheckName(schema.Name, "collection");
        var fields = schema.Fields.Where(f => !f.IsDynamic).ToList();
        if (fields.Count == 0)
        {
            throw new MilvusException(ErrorCode.CollectionIllegalSchema, "schema has no fields");
        }

        if (fields.Count > MaxFields)
        {
            throw new MilvusException(ErrorCode.CollectionIllegalSchema, $"schema has {fields.Count} fields, the maximum is {MaxFields}");
        }

        var duplicate = fields.Where(f => f.StructFieldId == 0).Select(f => f.Name).Concat(schema.StructFields.Select(f => f.Name))
            .GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new MilvusException(ErrorCode.CollectionIllegalSchema, $"duplicated field name '{duplicate.Key}'");
        }

        var primaryKeys = fields.Where(f => f.IsPrimaryKey).ToList();
        if (primaryKeys.Count != 1)
        {
            throw new MilvusException(ErrorCode.CollectionIllegalSchema,
                primaryKeys.Count == 0 ? "schema has no primary key field" : "schema has more than one primary key field");
        }

        var vectorCount = fields.Count(f => f.DataType.IsVector());
        if (vectorCount == 0)
        {
            throw new MilvusException(ErrorCode.CollectionIllegalSchema, "schema has no vector field");
        }

        if (vectorCount > MaxVectorFields)
        {
            throw new MilvusException(ErrorCode.CollectionIllegalSchema, $"schema has {vectorCount} vector fields, the maximum is {MaxVectorFields}");
        }

        if (fields.Count(f => f.IsPartitionKey) > 1)
        {
            throw new MilvusException(ErrorCode.CollectionIllegalSchema, "schema has more than one partition key field");
        }

        CheckMultiAnalyzers(fields);
        var completed = ImmutableArray.CreateBuilder<FieldSchema>();
        var nextId = CollectionSchema.FirstUserFieldId;
        foreach (var field in fields.Where(f => f.StructFieldId == 0))
        {
            Check(field);
            completed.Add(field with { FieldId = nextId++ });
        }

        var structs = ImmutableArray.CreateBuilder<StructFieldSchema>();
        foreach (var structField in schema.StructFields)
        {
            var id = nextId++;
            structs.Add(structField with { FieldId = id });
            foreach (var subField in CheckStruct(structField, fields.Where(f => f.StructFieldId == structField.FieldId).ToList()))
            {
                completed.Add(subField with { FieldId = nextId++, StructFieldId = id });
            }
        }

        if (schema.EnableDynamicField)
        {
            completed.Add(new FieldSchema
            {
                FieldId = nextId,
                Name = CollectionSchema.DynamicFieldName,
                DataType = DataType.Json,
                IsDynamic = true,
                Description = "dynamic schema",
            });
        }

        return FunctionValidator.Complete(schema with { Fields = completed.ToImmutable(), StructFields = structs.ToImmutable() });
    }

    /// <summary>
    /// An array-of-struct field as Milvus allows it: named sub-fields of scalar or dense vector types, none a key,
    /// nullable or with a default, each holding up to the struct's max_capacity elements (written on every sub-field).
    /// </summary>
    private static IEnumerable<FieldSchema> CheckStruct(StructFieldSchema structField, List<FieldSchema> subFields)
    {
        CheckName(structField.Name, "struct field");
        if (subFields.Count == 0)
        {
            throw new MilvusException(ErrorCode.CollectionIllegalSchema, $"struct field '{structField.Name}' has no sub-fields");
        }

        var capacity = structField.TypeParams.GetValueOrDefault(FieldSchema.MaxCapacityKey);
        if (!int.TryParse(capacity, NumberStyles.Integer, CultureInfo.InvariantCulture, out var maxCapacity) || maxCapacity < 1 || maxCapacity > MaxArrayCapacity)
        {
            throw new MilvusException(ErrorCode.CollectionIllegalSchema,
                $"type param 'max_capacity' of struct field '{structField.Name}' must be an integer in [1, {MaxArrayCapacity}], got '{capacity}'");
        }

        var duplicate = subFields.GroupBy(f => f.ShortName).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new MilvusException(ErrorCode.CollectionIllegalSchema, $"duplicated field name '{duplicate.Key}' in struct field '{structField.Name}'");
        }

        foreach (var field in subFields)
        {
            var where = $"field '{field.ShortName}' of struct field '{structField.Name}'";
            CheckName(field.ShortName, "field");
            if (field.IsPrimaryKey || field.IsPartitionKey || field.IsClusteringKey || field.AutoId || field.Nullable
                || field.DefaultValue is not null || field.IsFunctionOutput)
            {
                throw new MilvusException(ErrorCode.CollectionIllegalSchema,
                    $"{where} cannot be a primary, partition or clustering key, auto id, nullable, have a default value or be a function output");
            }

            var element = field.ElementField with { Name = field.ShortName };
            switch (field.DataType)
            {
                case DataType.Array when element.DataType is DataType.Bool or DataType.Int8 or DataType.Int16 or DataType.Int32 or DataType.Int64
                    or DataType.Float or DataType.Double or DataType.VarChar:
                case DataType.ArrayOfVector when element.DataType is DataType.FloatVector or DataType.Float16Vector or DataType.BFloat16Vector
                    or DataType.Int8Vector or DataType.BinaryVector:
                    Check(element);
                    break;
                default:
                    throw new MilvusException(ErrorCode.CollectionIllegalSchema,
                        $"{where} has unsupported type {field.DataType} of {field.ElementType}: a struct holds scalars (not JSON, arrays or geometry) and dense vectors");
            }

            yield return field with { TypeParams = field.TypeParams.SetItem(FieldSchema.MaxCapacityKey, maxCapacity.ToString(CultureInfo.InvariantCulture)) };
        }
    }

    private static void Check(FieldSchema field)
    {
        CheckName(field.Name, "field");
        switch (field.DataType)
        {
            case DataType.Bool or DataType.Int8 or DataType.Int16 or DataType.Int32 or DataType.Int64
                or DataType.Float or DataType.Double or DataType.Json or DataType.Geometry or DataType.Timestamptz:
                break;
            case DataType.VarChar:
                CheckRange(field, FieldSchema.MaxLengthKey, 1, MaxVarCharLength);
                CheckAnalyzer(field);
                break;
            case DataType.Array:
                CheckRange(field, FieldSchema.MaxCapacityKey, 1, MaxArrayCapacity);
                if (field.ElementType is DataType.Array or DataType.Json or DataType.Geometry or DataType.Timestamptz or DataType.None || field.ElementType.IsVector())
                {
                    throw new MilvusException(ErrorCode.CollectionIllegalSchema,
                        $"array field '{field.Name}' has unsupported element type {field.ElementType}");
                }

                if (field.ElementType == DataType.VarChar)
                {
                    CheckRange(field, FieldSchema.MaxLengthKey, 1, MaxVarCharLength);
                }

                break;
            case DataType.FloatVector or DataType.Float16Vector or DataType.BFloat16Vector or DataType.Int8Vector:
                CheckRange(field, FieldSchema.DimKey, 1, MaxDim);
                break;
            case DataType.SparseFloatVector:
                // Sparse vectors have no fixed dimension; a dim sent anyway is refused, as Milvus does.
                if (field.TypeParams.ContainsKey(FieldSchema.DimKey))
                {
                    throw new MilvusException(ErrorCode.CollectionIllegalSchema, $"dim should not be specified for sparse vector field '{field.Name}'");
                }

                break;
            case DataType.BinaryVector:
                CheckRange(field, FieldSchema.DimKey, 8, MaxDim * 8);
                if (field.Dim % 8 != 0)
                {
                    throw new MilvusException(ErrorCode.CollectionIllegalSchema, $"binary vector field '{field.Name}' dim must be a multiple of 8, got {field.Dim}");
                }

                break;
            default:
                throw new MilvusException(ErrorCode.CollectionIllegalSchema, $"field '{field.Name}': data type {field.DataType} is not supported");
        }

        if (field.IsPrimaryKey)
        {
            if (field.DataType is not (DataType.Int64 or DataType.VarChar))
            {
                throw new MilvusException(ErrorCode.CollectionIllegalSchema, $"primary key field '{field.Name}' must be Int64 or VarChar, not {field.DataType}");
            }

            if (field.Nullable)
            {
                throw new MilvusException(ErrorCode.CollectionIllegalSchema, $"primary key field '{field.Name}' cannot be nullable");
            }
        }
        else if (field.AutoId)
        {
            throw new MilvusException(ErrorCode.CollectionIllegalSchema, $"auto_id can only be set on the primary key, not on field '{field.Name}'");
        }

        if (field.IsPartitionKey && field.DataType is not (DataType.Int64 or DataType.VarChar))
        {
            throw new MilvusException(ErrorCode.CollectionIllegalSchema, $"partition key field '{field.Name}' must be Int64 or VarChar");
        }
    }

    /// <summary>
    /// An analyzed field's analyzer must be one this engine runs: it is refused at create rather than analyzing text
    /// differently from what was asked. As in Milvus, text match needs the analyzer on.
    /// </summary>
    private static void CheckAnalyzer(FieldSchema field)
    {
        if (AnalyzerParams.IsOn(field, AnalyzerParams.EnableMatchKey) && !AnalyzerParams.IsOn(field, AnalyzerParams.EnableAnalyzerKey))
        {
            throw new MilvusException(ErrorCode.CollectionIllegalSchema, $"field {field.Name} which has enable_match must also enable_analyzer");
        }

        if (AnalyzerParams.IsAnalyzed(field))
        {
            try
            {
                if (MultiAnalyzer.ForField(field) is null)
                {
                    AnalyzerParams.ForField(field);
                }
            }
            catch (MilvusException e)
            {
                throw new MilvusException(e.Code, $"field {field.Name}: {e.Message}", e);
            }
        }
    }

    /// <summary>
    /// Multi-language analyzers as Milvus allows them: for BM25 only (not with enable_match), instead of analyzer_params,
    /// picked by an existing VarChar field.
    /// </summary>
    private static void CheckMultiAnalyzers(IReadOnlyList<FieldSchema> fields)
    {
        foreach (var field in fields.Where(f => f.TypeParams.ContainsKey(MultiAnalyzer.Key) && AnalyzerParams.IsAnalyzed(f)))
        {
            if (AnalyzerParams.IsOn(field, AnalyzerParams.EnableMatchKey))
            {
                throw new MilvusException(ErrorCode.CollectionIllegalSchema, $"multi analyzer now only support for bm25, but now field {field.Name} enable match");
            }

            if (field.TypeParams.ContainsKey(AnalyzerParams.Key))
            {
                throw new MilvusException(ErrorCode.CollectionIllegalSchema, $"field {field.Name} analyzer params should be none if has multi analyzer params");
            }

            var byField = MultiAnalyzer.Parse(field.TypeParams[MultiAnalyzer.Key]).ByField;
            var picker = fields.FirstOrDefault(f => f.Name == byField)
                ?? throw new MilvusException(ErrorCode.CollectionIllegalSchema, $"multi analyzer dependent field {byField} not exist in collection");
            if (picker.DataType != DataType.VarChar)
            {
                throw new MilvusException(ErrorCode.CollectionIllegalSchema, $"multi analyzer params now only support by string field, but field {byField} is not string");
            }
        }
    }

    private static void CheckRange(FieldSchema field, string key, int min, int max)
    {
        if (!field.TypeParams.TryGetValue(key, out var text))
        {
            throw new MilvusException(ErrorCode.CollectionIllegalSchema, $"type param '{key}' of field '{field.Name}' is missing");
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new MilvusException(ErrorCode.CollectionIllegalSchema, key == FieldSchema.DimKey
                ? $"invalid dimension: {text} of field {field.Name}. {field.DataType} dimension should be in range {min} ~ {max}"
                : $"type param '{key}' of field '{field.Name}' must be an integer in [{min}, {max}], got '{text}'");
        }
    }
}
