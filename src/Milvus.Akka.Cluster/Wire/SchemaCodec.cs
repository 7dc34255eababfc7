using System.Collections.Immutable;
using System.Globalization;
using Google.Protobuf;
using Milvus.Akka.Common;
using static Milvus.Akka.Cluster.Wire.WireCodec;

namespace Milvus.Akka.Cluster.Wire;

/// <summary>Protobuf encoding of collection schemas (meta storage, journal events and cluster messages).</summary>
public static class SchemaCodec
{
    public static ByteString Encode(CollectionSchema schema) => ToBytes(o =>
    {
        WriteString(o, 1, schema.Name);
        WriteString(o, 2, schema.Description);
        foreach (var field in schema.Fields)
        {
            WriteMessage(o, 3, f => WriteField(f, field));
        }

        WriteBool(o, 4, schema.EnableDynamicField);
        WriteMap(o, 5, schema.Properties);
        foreach (var function in schema.Functions)
        {
            WriteMessage(o, 6, f => WriteFunction(f, function));
        }

        WriteInt64(o, 7, schema.Version);
        foreach (var structField in schema.StructFields)
        {
            WriteMessage(o, 8, f => WriteStruct(f, structField));
        }
    });

    /// <summary>One field alone (AddCollectionField's message), encoded as within a schema.</summary>
    public static ByteString EncodeField(FieldSchema field) => ToBytes(o => WriteField(o, field));

    public static FieldSchema DecodeField(ByteString bytes) => ReadField(bytes);

    /// <summary>One function alone (the function DDL's messages), encoded as within a schema.</summary>
    public static ByteString EncodeFunction(FunctionSchema function) => ToBytes(o => WriteFunction(o, function));

    public static FunctionSchema DecodeFunction(ByteString bytes) => ReadFunction(bytes);

    public static CollectionSchema Decode(ByteString bytes)
    {
        string name = "", description = "";
        var fields = ImmutableArray.CreateBuilder<FieldSchema>();
        var dynamic = false;
        var properties = ImmutableSortedDictionary.CreateBuilder<string, string>();
        var functions = ImmutableArray.CreateBuilder<FunctionSchema>();
        var version = 0;
        var structs = ImmutableArray.CreateBuilder<StructFieldSchema>();
        foreach (var (field, input) in Fields(bytes))
        {
            switch (field)
            {
                case 1: name = input.ReadString(); break;
                case 2: description = input.ReadString(); break;
                case 3: fields.Add(ReadField(input.ReadBytes())); break;
                case 4: dynamic = input.ReadBool(); break;
                case 5: properties.Add(ReadMapEntry(input.ReadBytes())); break;
                case 6: functions.Add(ReadFunction(input.ReadBytes())); break;
                case 7: version = checked((int)input.ReadInt64()); break;
                case 8: structs.Add(ReadStruct(input.ReadBytes())); break;
                default: input.SkipLastField(); break;
            }
        }

        return new CollectionSchema
        {
            Version = version,
            Name = name,
            Description = description,
            Fields = fields.ToImmutable(),
            EnableDynamicField = dynamic,
            Properties = properties.ToImmutable(),
            Functions = functions.ToImmutable(),
            StructFields = structs.ToImmutable(),
        };
    }

    private static void WriteStruct(CodedOutputStream o, StructFieldSchema structField)
    {
        WriteInt64(o, 1, structField.FieldId);
        WriteString(o, 2, structField.Name);
        WriteString(o, 3, structField.Description);
        WriteMap(o, 4, structField.TypeParams);
    }

    private static StructFieldSchema ReadStruct(ByteString bytes)
    {
        long id = 0;
        string name = "", description = "";
        var typeParams = ImmutableSortedDictionary.CreateBuilder<string, string>();
        foreach (var (field, input) in Fields(bytes))
        {
            switch (field)
            {
                case 1: id = input.ReadInt64(); break;
                case 2: name = input.ReadString(); break;
                case 3: description = input.ReadString(); break;
                case 4: typeParams.Add(ReadMapEntry(input.ReadBytes())); break;
                default: input.SkipLastField(); break;
            }
        }

        return new StructFieldSchema { FieldId = id, Name = name, Description = description, TypeParams = typeParams.ToImmutable() };
    }

    private static void WriteFunction(CodedOutputStream o, FunctionSchema function)
    {
        WriteString(o, 1, function.Name);
        WriteInt64(o, 2, function.Id);
        WriteString(o, 3, function.Description);
        WriteInt64(o, 4, (long)function.Type);
        WriteStrings(o, 5, function.InputFieldNames);
        WriteStrings(o, 6, function.OutputFieldNames);
        WriteMap(o, 7, function.Params);
    }

    private static FunctionSchema ReadFunction(ByteString bytes)
    {
        string name = "", description = "";
        long id = 0;
        var type = FunctionType.Unknown;
        var inputs = ImmutableArray.CreateBuilder<string>();
        var outputs = ImmutableArray.CreateBuilder<string>();
        var parameters = ImmutableSortedDictionary.CreateBuilder<string, string>();
        foreach (var (field, input) in Fields(bytes))
        {
            switch (field)
            {
                case 1: name = input.ReadString(); break;
                case 2: id = input.ReadInt64(); break;
                case 3: description = input.ReadString(); break;
                case 4: type = (FunctionType)input.ReadInt64(); break;
                case 5: inputs.Add(input.ReadString()); break;
                case 6: outputs.Add(input.ReadString()); break;
                case 7: parameters.Add(ReadMapEntry(input.ReadBytes())); break;
                default: input.SkipLastField(); break;
            }
        }

        return new FunctionSchema
        {
            Name = name,
            Id = id,
            Description = description,
            Type = type,
            InputFieldNames = inputs.ToImmutable(),
            OutputFieldNames = outputs.ToImmutable(),
            Params = parameters.ToImmutable(),
        };
    }

    private static void WriteField(CodedOutputStream o, FieldSchema field)
    {
        WriteInt64(o, 1, field.FieldId);
        WriteString(o, 2, field.Name);
        WriteInt64(o, 3, (long)field.DataType);
        WriteString(o, 4, field.Description);
        WriteBool(o, 5, field.IsPrimaryKey);
        WriteBool(o, 6, field.AutoId);
        WriteBool(o, 7, field.IsPartitionKey);
        WriteBool(o, 8, field.IsClusteringKey);
        WriteBool(o, 9, field.IsDynamic);
        WriteBool(o, 10, field.Nullable);
        WriteInt64(o, 11, (long)field.ElementType);
        WriteMap(o, 13, field.TypeParams);
        WriteBool(o, 14, field.IsFunctionOutput);
        WriteInt64(o, 15, field.StructFieldId);
        switch (field.DefaultValue)
        {
            case null: break;
            case bool b:
                o.WriteTag(20, WireFormat.WireType.Varint);
                o.WriteBool(b);
                break;
            case int i:
                o.WriteTag(21, WireFormat.WireType.Varint);
                o.WriteInt32(i);
                break;
            case long l:
                o.WriteTag(22, WireFormat.WireType.Varint);
                o.WriteInt64(l);
                break;
            case float f:
                o.WriteTag(23, WireFormat.WireType.Fixed32);
                o.WriteFloat(f);
                break;
            case double d:
                o.WriteTag(24, WireFormat.WireType.Fixed64);
                o.WriteDouble(d);
                break;
            case string s:
                o.WriteTag(25, WireFormat.WireType.LengthDelimited);
                o.WriteString(s);
                break;
            default:
                throw new MilvusException(ErrorCode.ParameterInvalid,
                    string.Create(CultureInfo.InvariantCulture, $"default value of type {field.DefaultValue.GetType().Name} is not supported"));
        }
    }

    private static FieldSchema ReadField(ByteString bytes)
    {
        long id = 0;
        string name = "", description = "";
        DataType type = DataType.None, elementType = DataType.None;
        long structFieldId = 0;
        bool pk = false, autoId = false, partitionKey = false, clusteringKey = false, dynamic = false, nullable = false, functionOutput = false;
        object? defaultValue = null;
        var typeParams = ImmutableSortedDictionary.CreateBuilder<string, string>();
        foreach (var (field, input) in Fields(bytes))
        {
            switch (field)
            {
                case 1: id = input.ReadInt64(); break;
                case 2: name = input.ReadString(); break;
                case 3: type = (DataType)input.ReadInt64(); break;
                case 4: description = input.ReadString(); break;
                case 5: pk = input.ReadBool(); break;
                case 6: autoId = input.ReadBool(); break;
                case 7: partitionKey = input.ReadBool(); break;
                case 8: clusteringKey = input.ReadBool(); break;
                case 9: dynamic = input.ReadBool(); break;
                case 10: nullable = input.ReadBool(); break;
                case 11: elementType = (DataType)input.ReadInt64(); break;
                case 13: typeParams.Add(ReadMapEntry(input.ReadBytes())); break;
                case 14: functionOutput = input.ReadBool(); break;
                case 15: structFieldId = input.ReadInt64(); break;
                case 20: defaultValue = input.ReadBool(); break;
                case 21: defaultValue = input.ReadInt32(); break;
                case 22: defaultValue = input.ReadInt64(); break;
                case 23: defaultValue = input.ReadFloat(); break;
                case 24: defaultValue = input.ReadDouble(); break;
                case 25: defaultValue = input.ReadString(); break;
                default: input.SkipLastField(); break;
            }
        }

        return new FieldSchema
        {
            FieldId = id,
            Name = name,
            DataType = type,
            Description = description,
            IsPrimaryKey = pk,
            AutoId = autoId,
            IsPartitionKey = partitionKey,
            IsClusteringKey = clusteringKey,
            IsDynamic = dynamic,
            Nullable = nullable,
            ElementType = elementType,
            IsFunctionOutput = functionOutput,
            StructFieldId = structFieldId,
            DefaultValue = defaultValue,
            TypeParams = typeParams.ToImmutable(),
        };
    }
}
