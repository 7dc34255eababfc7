using System.Collections.Immutable;
using System.Globalization;
using Google.Protobuf;
using Milvus.Akka.Common;
using Milvus.Akka.Spatial;
using CollectionSchema = Milvus.Akka.Common.CollectionSchema;
using DataType = Milvus.Akka.Common.DataType;
using ErrorCode = Milvus.Akka.Common.ErrorCode;
using FieldSchema = Milvus.Akka.Common.FieldSchema;
using KeyValuePair = Milvus.Akka.Grpc.Protocol.Common.KeyValuePair;
using ProtoCollectionSchema = Milvus.Akka.Grpc.Protocol.Schema.CollectionSchema;
using ProtoDataType = Milvus.Akka.Grpc.Protocol.Schema.DataType;
using ProtoFieldSchema = Milvus.Akka.Grpc.Protocol.Schema.FieldSchema;
using ProtoFunctionSchema = Milvus.Akka.Grpc.Protocol.Schema.FunctionSchema;
using ProtoFunctionType = Milvus.Akka.Grpc.Protocol.Schema.FunctionType;
using ProtoStructArrayFieldSchema = Milvus.Akka.Grpc.Protocol.Schema.StructArrayFieldSchema;
using ValueField = Milvus.Akka.Grpc.Protocol.Schema.ValueField;

namespace Milvus.Akka.Proxy.Grpc;

/// <summary>schema.CollectionSchema (as SDKs send it serialized in CreateCollection) to and from <see cref="CollectionSchema"/>.</summary>
public static class SchemaConverter
{
    private const string ExternalCollectionsNotSupported = "external collections (external_source, external_spec, external_field) are not supported by Milvus.Akka";

    /// <param name="timezone">The collection's time zone: a Timestamptz default without an offset is read in it.</param>
    public static CollectionSchema FromBytes(ByteString bytes, string collectionName, TimeZoneInfo timezone)
    {
        ProtoCollectionSchema proto;
        try
        {
            proto = ProtoCollectionSchema.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"the schema of collection {collectionName} is not a valid schema.CollectionSchema: {e.Message}");
        }

        if (proto.ExternalSource.Length > 0 || proto.ExternalSpec.Length > 0)
        {
            throw new MilvusException(ErrorCode.OperationNotSupported, ExternalCollectionsNotSupported);
        }

        if (proto.FileResourceIds.Count > 0)
        {
            throw new MilvusException(ErrorCode.OperationNotSupported, "file resources (file_resource_ids) are not supported by Milvus.Akka");
        }

        if (proto.EnableNamespace)
        {
            throw new MilvusException(ErrorCode.OperationNotSupported, $"{MilvusGrpcService.NamespacesNotSupported}: create the collection without enable_namespace");
        }

        // The schema's own name may be empty (pymilvus leaves it to the request); the request's name wins.
        return new CollectionSchema
        {
            Name = string.IsNullOrEmpty(collectionName) ? proto.Name : collectionName,
            Description = proto.Description,
            EnableDynamicField = proto.EnableDynamicField,
            Properties = ToDictionary(proto.Properties),
            Fields = [.. proto.Fields.Where(f => !f.IsDynamic).Select(f => FromProto(f, proto.AutoID, timezone)),
                .. proto.StructArrayFields.SelectMany((s, i) => SubFieldsFromProto(s, ProvisionalStructId(i), timezone))],
            Functions = [.. proto.Functions.Select(FromProto)],
            StructFields = [.. proto.StructArrayFields.Select((s, i) => StructFromProto(s, ProvisionalStructId(i)))],
        };
    }

    /// <summary>
    /// Until the coordinator gives them ids, an array-of-struct field and its sub-fields are tied by a negative id
    /// (<see cref="FieldSchema.StructFieldId"/> 0 means a field of its own).
    /// </summary>
    private static long ProvisionalStructId(int index) => -(index + 1);

    private static StructFieldSchema StructFromProto(ProtoStructArrayFieldSchema proto, long id)
    {
        if (proto.Nullable)
        {
            throw new MilvusException(ErrorCode.OperationNotSupported,
                $"struct field '{proto.Name}' is nullable: nullable array-of-struct fields are not supported by Milvus.Akka (a row may hold no structs)");
        }

        var typeParams = ToDictionary(proto.TypeParams);
        // The SDKs send max_capacity on each sub-field; the struct's own capacity is theirs.
        if (!typeParams.ContainsKey(FieldSchema.MaxCapacityKey)
            && proto.Fields.Select(f => f.TypeParams.FirstOrDefault(p => p.Key == FieldSchema.MaxCapacityKey)?.Value).FirstOrDefault(v => v is not null) is { } capacity)
        {
            typeParams = typeParams.Add(FieldSchema.MaxCapacityKey, capacity);
        }

        return new StructFieldSchema { FieldId = id, Name = proto.Name, Description = proto.Description, TypeParams = typeParams };
    }

    /// <summary>The sub-fields as fields of the schema: Arrays of their scalar type or ArrayOfVector, named <c>struct[sub]</c>.</summary>
    private static IEnumerable<FieldSchema> SubFieldsFromProto(ProtoStructArrayFieldSchema proto, long structId, TimeZoneInfo timezone) =>
        proto.Fields.Select(f => FromProto(f, collectionAutoId: false, timezone) with
        {
            Name = StructFieldSchema.SubFieldName(proto.Name, f.Name),
            StructFieldId = structId,
        });

    private static ProtoStructArrayFieldSchema StructToProto(CollectionSchema schema, StructFieldSchema structField, TimeZoneInfo timezone)
    {
        var proto = new ProtoStructArrayFieldSchema { FieldID = structField.FieldId, Name = structField.Name, Description = structField.Description };
        proto.TypeParams.Add(ToPairs(structField.TypeParams));
        proto.Fields.Add(schema.SubFields(structField.FieldId).Select(f =>
        {
            var field = ToProto(f, timezone);
            field.Name = f.ShortName;
            return field;
        }));
        return proto;
    }

    /// <param name="timezone">The collection's time zone, in which Timestamptz defaults are shown (as Milvus does).</param>
    public static ProtoCollectionSchema ToProto(CollectionSchema schema, TimeZoneInfo timezone)
    {
        var proto = new ProtoCollectionSchema
        {
            Name = schema.Name,
            Description = schema.Description,
            EnableDynamicField = schema.EnableDynamicField,
            AutoID = schema.PrimaryKey.AutoId,
            Version = schema.Version,
        };
        proto.Properties.Add(ToPairs(schema.Properties));
        // Milvus leaves the hidden $meta field out of a described schema (enable_dynamic_field says it is there);
        // SDKs add it back themselves, and count the fields they created.
        proto.Fields.Add(schema.Fields.Where(f => !f.IsDynamic && f.StructFieldId == 0).Select(f => ToProto(f, timezone)));
        proto.StructArrayFields.Add(schema.StructFields.Select(s => StructToProto(schema, s, timezone)));
        proto.Functions.Add(schema.Functions.Select(f => ToProto(f, schema)));
        return proto;
    }

    public static Common.FunctionSchema FromProto(ProtoFunctionSchema function) => new()
    {
        Name = function.Name,
        Id = function.Id,
        Description = function.Description,
        Type = (Common.FunctionType)function.Type,
        InputFieldNames = [.. function.InputFieldNames],
        OutputFieldNames = [.. function.OutputFieldNames],
        Params = ToDictionary(function.Params),
    };

    /// <summary>A function as Milvus describes it: the field ids beside the names.</summary>
    private static ProtoFunctionSchema ToProto(Common.FunctionSchema function, CollectionSchema schema)
    {
        var proto = new ProtoFunctionSchema
        {
            Name = function.Name,
            Id = function.Id,
            Description = function.Description,
            Type = (ProtoFunctionType)function.Type,
        };
        proto.InputFieldNames.Add(function.InputFieldNames);
        proto.InputFieldIds.Add(function.InputFieldNames.Select(n => schema.FindField(n)?.FieldId ?? 0));
        proto.OutputFieldNames.Add(function.OutputFieldNames);
        proto.OutputFieldIds.Add(function.OutputFieldNames.Select(n => schema.FindField(n)?.FieldId ?? 0));
        proto.Params.Add(ToPairs(function.Params));
        return proto;
    }

    public static ImmutableSortedDictionary<string, string> ToDictionary(IEnumerable<KeyValuePair> pairs)
    {
        var builder = ImmutableSortedDictionary.CreateBuilder<string, string>();
        foreach (var pair in pairs)
        {
            builder[pair.Key] = pair.Value;
        }

        return builder.ToImmutable();
    }

    public static IEnumerable<KeyValuePair> ToPairs(IEnumerable<KeyValuePair<string, string>> values) =>
        values.Select(v => new KeyValuePair { Key = v.Key, Value = v.Value });

    /// <summary>One serialized schema.FieldSchema, as AddCollectionField sends it.</summary>
    /// <param name="timezone">The collection's time zone: a Timestamptz default without an offset is read in it.</param>
    public static FieldSchema FieldFromBytes(ByteString bytes, TimeZoneInfo timezone)
    {
        ProtoFieldSchema proto;
        try
        {
            proto = ProtoFieldSchema.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"the field to add is not a valid schema.FieldSchema: {e.Message}");
        }

        return FieldFrom(proto, timezone);
    }

    /// <summary>A field to add to an existing collection (AddCollectionField, AlterCollectionSchema).</summary>
    /// <param name="timezone">The collection's time zone: a Timestamptz default without an offset is read in it.</param>
    public static FieldSchema FieldFrom(ProtoFieldSchema proto, TimeZoneInfo timezone)
    {
        if (proto.IsDynamic)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "cannot add a dynamic field ($meta) to an existing collection");
        }

        return FromProto(proto, collectionAutoId: false, timezone);
    }

    private static FieldSchema FromProto(ProtoFieldSchema field, bool collectionAutoId, TimeZoneInfo timezone)
    {
        if (field.ExternalField.Length > 0)
        {
            throw new MilvusException(ErrorCode.OperationNotSupported, $"field '{field.Name}': {ExternalCollectionsNotSupported}");
        }

        var type = ToDataType(field.DataType, field.Name);
        var elementType = field.DataType is ProtoDataType.Array or ProtoDataType.ArrayOfVector ? ToDataType(field.ElementType, field.Name) : DataType.None;
        return new FieldSchema
        {
            FieldId = field.FieldID,
            Name = field.Name,
            DataType = type,
            Description = field.Description,
            IsPrimaryKey = field.IsPrimaryKey,
            AutoId = field.AutoID || (field.IsPrimaryKey && collectionAutoId),
            IsPartitionKey = field.IsPartitionKey,
            IsClusteringKey = field.IsClusteringKey,
            Nullable = field.Nullable,
            ElementType = elementType,
            IsFunctionOutput = field.IsFunctionOutput,
            DefaultValue = field.DefaultValue is null ? null : DefaultValue(field, type, timezone),
            // index_params is where older SDKs put dim and max_length; type_params wins when both have a key.
            TypeParams = ToDictionary(field.IndexParams.Concat(field.TypeParams)),
        };
    }

    private static ProtoFieldSchema ToProto(FieldSchema field, TimeZoneInfo timezone)
    {
        var proto = new ProtoFieldSchema
        {
            FieldID = field.FieldId,
            Name = field.Name,
            DataType = (ProtoDataType)field.DataType,
            Description = field.Description,
            IsPrimaryKey = field.IsPrimaryKey,
            AutoID = field.AutoId,
            IsPartitionKey = field.IsPartitionKey,
            IsClusteringKey = field.IsClusteringKey,
            IsDynamic = field.IsDynamic,
            Nullable = field.Nullable,
            ElementType = (ProtoDataType)field.ElementType,
            IsFunctionOutput = field.IsFunctionOutput,
        };
        proto.TypeParams.Add(ToPairs(field.TypeParams));
        if (field.DefaultValue is { } value)
        {
            proto.DefaultValue = value switch
            {
                // Milvus stores a Timestamptz default as UTC microseconds and describes it as an ISO string.
                long micros when field.DataType == DataType.Timestamptz => new ValueField { StringData = Timestamptz.Format(micros, timezone) },
                bool b => new ValueField { BoolData = b },
                int i => new ValueField { IntData = i },
                long l => new ValueField { LongData = l },
                float f => new ValueField { FloatData = f },
                double d => new ValueField { DoubleData = d },
                string s => new ValueField { StringData = s },
                _ => null,
            };
        }

        return proto;
    }

    /// <summary>
    /// Milvus types this server does not store yet (2.6's Text, 3.0's Mol, Date, Time and Decimal) are refused as
    /// not supported (an operation Milvus has), anything else unknown as an invalid parameter.
    /// </summary>
    private static DataType ToDataType(ProtoDataType type, string field) => type switch
    {
        ProtoDataType.Bool or ProtoDataType.Int8 or ProtoDataType.Int16 or ProtoDataType.Int32 or ProtoDataType.Int64
            or ProtoDataType.Float or ProtoDataType.Double or ProtoDataType.String or ProtoDataType.VarChar or ProtoDataType.Array
            or ProtoDataType.Json or ProtoDataType.BinaryVector or ProtoDataType.FloatVector or ProtoDataType.Float16Vector
            or ProtoDataType.Bfloat16Vector or ProtoDataType.SparseFloatVector or ProtoDataType.Int8Vector or ProtoDataType.Geometry or ProtoDataType.Timestamptz
            or ProtoDataType.ArrayOfVector => (DataType)type,
        ProtoDataType.Text or ProtoDataType.Mol or ProtoDataType.Date or ProtoDataType.Time or ProtoDataType.Decimal =>
            throw new MilvusException(ErrorCode.OperationNotSupported, $"field '{field}': data type {type} is not supported by Milvus.Akka yet"),
        _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"field '{field}': data type {type} is not supported by Milvus.Akka"),
    };

    /// <summary>The default value as the CLR type <see cref="FieldSchema.DefaultValue"/> expects for the field's type.</summary>
    private static object DefaultValue(ProtoFieldSchema field, DataType type, TimeZoneInfo timezone)
    {
        var value = field.DefaultValue;
        object? raw = value.DataCase switch
        {
            ValueField.DataOneofCase.BoolData => value.BoolData,
            ValueField.DataOneofCase.IntData => value.IntData,
            ValueField.DataOneofCase.LongData => value.LongData,
            ValueField.DataOneofCase.FloatData => value.FloatData,
            ValueField.DataOneofCase.DoubleData => value.DoubleData,
            ValueField.DataOneofCase.StringData => value.StringData,
            ValueField.DataOneofCase.TimestamptzData => value.TimestamptzData,
            _ => null,
        };
        try
        {
            return (type, raw) switch
            {
                (DataType.Bool, bool b) => b,
                (DataType.Int8 or DataType.Int16 or DataType.Int32, int or long) => Convert.ToInt32(raw, CultureInfo.InvariantCulture),
                (DataType.Int64, int or long) => Convert.ToInt64(raw, CultureInfo.InvariantCulture),
                (DataType.Float, float or double) => Convert.ToSingle(raw, CultureInfo.InvariantCulture),
                (DataType.Double, float or double) => Convert.ToDouble(raw, CultureInfo.InvariantCulture),
                (DataType.VarChar or DataType.String, string s) => s,
                // A geometry default is WKT, as Milvus takes it; it is checked here and converted where rows are filled.
                (DataType.Geometry, string wkt) => GeometryCodec.CheckWkt(wkt, $"the default value of field '{field.Name}'"),
                // The Node SDK sends UTC microseconds in timestamptz_data, pymilvus the ISO string as written.
                (DataType.Timestamptz, long micros) when value.DataCase == ValueField.DataOneofCase.TimestamptzData => micros,
                (DataType.Timestamptz, string s) => Timestamptz.Parse(s, timezone),
                _ => throw new MilvusException(ErrorCode.ParameterInvalid,
                    $"default value of field '{field.Name}' ({value.DataCase}) does not match its type {type}"),
            };
        }
        catch (OverflowException)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"default value {raw} of field '{field.Name}' is out of range for {type}");
        }
    }
}
