using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Milvus.Akka.Grpc.Protocol.Schema;
using KeyValuePair = Milvus.Akka.Grpc.Protocol.Common.KeyValuePair;
using ErrorCode = Milvus.Akka.Common.ErrorCode;
using MilvusException = Milvus.Akka.Common.MilvusException;

namespace Milvus.Akka.Proxy.Rest;

/// <summary>
/// Schemas as Milvus's RESTful API writes them: fields with <c>fieldName</c>, <c>dataType</c> (the proto's type names:
/// Int64, VarChar, FloatVector...), <c>elementDataType</c>, <c>isPrimary</c>, <c>elementTypeParams</c> (dim, max_length,
/// analyzer settings...), and functions; read into the gRPC schema, and described back as Milvus describes them.
/// </summary>
internal static class RestSchema
{
    public static void Read(JsonElement json, CollectionSchema schema)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            throw RestCall.WrongType("schema", "an object");
        }

        var autoId = Bool(json, "autoID") || Bool(json, "autoId");
        schema.AutoID = autoId;
        schema.EnableDynamicField = Bool(json, "enableDynamicField");
        foreach (var field in Elements(json, "fields"))
        {
            var proto = Field(field);
            proto.AutoID |= proto.IsPrimaryKey && autoId;
            schema.Fields.Add(proto);
        }

        foreach (var function in Elements(json, "functions"))
        {
            schema.Functions.Add(Function(function));
        }
    }

    public static FieldSchema Field(JsonElement json)
    {
        var name = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("fieldName", out var n) && n.ValueKind == JsonValueKind.String
            ? n.GetString()!
            : throw RestCall.Missing("fields[].fieldName");
        var type = DataTypeOf(String(json, "dataType") ?? throw RestCall.Missing($"dataType of field '{name}'"), "dataType");
        var field = new FieldSchema
        {
            Name = name,
            DataType = type,
            Description = String(json, "description") ?? "",
            IsPrimaryKey = Bool(json, "isPrimary"),
            IsPartitionKey = Bool(json, "isPartitionKey"),
            IsClusteringKey = Bool(json, "isClusteringKey"),
            Nullable = Bool(json, "nullable"),
            AutoID = Bool(json, "autoId") || Bool(json, "autoID"),
        };
        if (String(json, "elementDataType") is { Length: > 0 } element)
        {
            field.ElementType = DataTypeOf(element, "elementDataType");
            if (field.ElementType == DataType.Struct)
            {
                throw new MilvusException(ErrorCode.OperationNotSupported,
                    $"field '{name}': struct fields are not supported through the RESTful API by Milvus.Akka; create them with an SDK");
            }
        }

        if (json.TryGetProperty("elementTypeParams", out var typeParams) && typeParams.ValueKind == JsonValueKind.Object)
        {
            field.TypeParams.Add(PairsOf(typeParams));
        }

        if (json.TryGetProperty("multiAnalyzerParam", out var multiAnalyzer) && multiAnalyzer.ValueKind != JsonValueKind.Null)
        {
            field.TypeParams.Add(new KeyValuePair { Key = "multi_analyzer_params", Value = Text(multiAnalyzer) });
        }

        if (json.TryGetProperty("defaultValue", out var value) && value.ValueKind != JsonValueKind.Null)
        {
            field.DefaultValue = DefaultValue(field, value);
        }

        return field;
    }

    private static ValueField DefaultValue(FieldSchema field, JsonElement value)
    {
        try
        {
            return field.DataType switch
            {
                DataType.Bool => new ValueField { BoolData = value.GetBoolean() },
                DataType.Int8 or DataType.Int16 or DataType.Int32 => new ValueField { IntData = value.GetInt32() },
                DataType.Int64 => new ValueField { LongData = value.GetInt64() },
                DataType.Float => new ValueField { FloatData = value.GetSingle() },
                DataType.Double => new ValueField { DoubleData = value.GetDouble() },
                _ => new ValueField { StringData = value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText() },
            };
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new RestFailure(RestEndpoints.IncorrectParameterFormat,
                $"the defaultValue of field '{field.Name}' must be a {field.DataType} value, got {value.GetRawText()}");
        }
    }

    public static FunctionSchema Function(JsonElement json)
    {
        var typeName = String(json, "type") ?? throw RestCall.Missing("functions[].type");
        var function = new FunctionSchema
        {
            Name = String(json, "name") ?? throw RestCall.Missing("functions[].name"),
            Description = String(json, "description") ?? "",
            Type = ProtoEnumNames.Number(ProtoEnumNames.FunctionType, typeName) is { } type
                ? (FunctionType)type
                : throw new RestFailure(RestEndpoints.IncorrectParameterFormat, $"unknown function type '{typeName}'"),
        };
        function.InputFieldNames.Add(Elements(json, "inputFieldNames").Select(e => e.GetString() ?? ""));
        function.OutputFieldNames.Add(Elements(json, "outputFieldNames").Select(e => e.GetString() ?? ""));
        if (json.TryGetProperty("params", out var parameters) && parameters.ValueKind == JsonValueKind.Object)
        {
            function.Params.Add(PairsOf(parameters));
        }

        return function;
    }

    /// <summary>A search's <c>functionScore</c>: rerank functions (decay, boost, model) and their shared params.</summary>
    public static FunctionScore FunctionScore(JsonElement json)
    {
        var score = new FunctionScore();
        score.Functions.Add(Elements(json, "functions").Select(Function));
        if (json.TryGetProperty("params", out var parameters) && parameters.ValueKind == JsonValueKind.Object)
        {
            score.Params.Add(PairsOf(parameters));
        }

        return score;
    }

    public static DataType DataTypeOf(string name, string key) =>
        ProtoEnumNames.Number(ProtoEnumNames.DataType, name) is { } value and not 0
            ? (DataType)value
            : throw new RestFailure(RestEndpoints.IncorrectParameterFormat, $"'{name}' is not a data type ({key})");

    private static string TypeName(DataType type) => ProtoEnumNames.Name(ProtoEnumNames.DataType, (int)type);

    public static JsonObject Describe(FieldSchema field, RestCall call)
    {
        var described = new JsonObject
        {
            ["name"] = field.Name,
            ["id"] = call.Int64(field.FieldID),
            ["type"] = TypeName(field.DataType),
            ["description"] = field.Description,
            ["primaryKey"] = field.IsPrimaryKey,
            ["partitionKey"] = field.IsPartitionKey,
            ["clusteringKey"] = field.IsClusteringKey,
            ["autoId"] = field.AutoID,
            ["nullable"] = field.Nullable,
            ["isFunctionOutput"] = field.IsFunctionOutput,
        };
        if (field.ElementType != DataType.None)
        {
            described["elementType"] = TypeName(field.ElementType);
        }

        if (field.TypeParams.Count > 0)
        {
            described["params"] = RestEndpoints.Pairs(field.TypeParams);
        }

        if (field.DefaultValue is { } value && value.DataCase != ValueField.DataOneofCase.None)
        {
            described["defaultValue"] = value.DataCase switch
            {
                ValueField.DataOneofCase.BoolData => value.BoolData,
                ValueField.DataOneofCase.IntData => value.IntData,
                ValueField.DataOneofCase.LongData => value.LongData,
                ValueField.DataOneofCase.FloatData => value.FloatData,
                ValueField.DataOneofCase.DoubleData => value.DoubleData,
                ValueField.DataOneofCase.StringData => value.StringData,
                _ => value.ToString(),
            };
        }

        return described;
    }

    public static JsonObject Describe(StructArrayFieldSchema structField, RestCall call) => new()
    {
        ["name"] = structField.Name,
        ["id"] = call.Int64(structField.FieldID),
        ["description"] = structField.Description,
        ["fields"] = new JsonArray([.. structField.Fields.Select(f => (JsonNode)Describe(f, call))]),
    };

    public static JsonNode Describe(FunctionSchema function) => new JsonObject
    {
        ["name"] = function.Name,
        ["type"] = ProtoEnumNames.Name(ProtoEnumNames.FunctionType, (int)function.Type),
        ["description"] = function.Description,
        ["inputFieldNames"] = RestEndpoints.Strings(function.InputFieldNames),
        ["outputFieldNames"] = RestEndpoints.Strings(function.OutputFieldNames),
        ["params"] = RestEndpoints.Pairs(function.Params),
    };

    /// <summary>An object's keys as Milvus's key-value pairs, each value as <see cref="Text"/>.</summary>
    public static IEnumerable<KeyValuePair> PairsOf(JsonElement json) =>
        [.. json.EnumerateObject().Select(p => new KeyValuePair { Key = p.Name, Value = Text(p.Value) })];

    /// <summary>A parameter's value as Milvus's key-value text: a string as it is, a number or boolean as written, an object as JSON.</summary>
    public static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => value.GetRawText(),
    };

    private static string? String(JsonElement json, string key) =>
        json.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool Bool(JsonElement json, string key) =>
        json.TryGetProperty(key, out var value) && value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.String => bool.TryParse(value.GetString(), out var parsed) && parsed,
            _ => false,
        };

    private static IEnumerable<JsonElement> Elements(JsonElement json, string key) =>
        json.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : [];
}
