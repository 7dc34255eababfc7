using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Milvus.Akka.Grpc.Protocol.Schema;

namespace Milvus.Akka.Proxy.Rest;

/// <summary>
/// A filter's <c>exprParams</c> (the values of its <c>{name}</c> placeholders) as the gRPC request's template values:
/// booleans, integers, floats, strings, and arrays of one kind of them (mixed or nested arrays as JSON), as Milvus reads them.
/// </summary>
internal static class RestTemplateValues
{
    public static void Add(JsonElement? parameters, MapField<string, TemplateValue> values)
    {
        if (parameters is not { } given)
        {
            return;
        }

        if (given.ValueKind != JsonValueKind.Object)
        {
            throw RestCall.WrongType("exprParams", "an object of placeholder values");
        }

        foreach (var parameter in given.EnumerateObject())
        {
            values[parameter.Name] = Value(parameter.Value, parameter.Name);
        }
    }

    private static TemplateValue Value(JsonElement value, string name) => value.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => new TemplateValue { BoolVal = value.GetBoolean() },
        JsonValueKind.Number when value.TryGetInt64(out var integer) => new TemplateValue { Int64Val = integer },
        JsonValueKind.Number => new TemplateValue { FloatVal = value.GetDouble() },
        JsonValueKind.String => new TemplateValue { StringVal = value.GetString() },
        JsonValueKind.Array => new TemplateValue { ArrayVal = Array(value) },
        _ => throw RestCall.WrongType($"exprParams.{name}", "a boolean, number, string or array"),
    };

    private static TemplateArrayValue Array(JsonElement array)
    {
        var elements = array.EnumerateArray().ToList();
        if (elements.Count > 0 && elements.All(e => e.ValueKind is JsonValueKind.True or JsonValueKind.False))
        {
            return new TemplateArrayValue { BoolData = new BoolArray { Data = { elements.Select(e => e.GetBoolean()) } } };
        }

        if (elements.All(e => e.ValueKind == JsonValueKind.Number))
        {
            return elements.All(e => e.TryGetInt64(out _))
                ? new TemplateArrayValue { LongData = new LongArray { Data = { elements.Select(e => e.GetInt64()) } } }
                : new TemplateArrayValue { DoubleData = new DoubleArray { Data = { elements.Select(e => e.GetDouble()) } } };
        }

        if (elements.All(e => e.ValueKind == JsonValueKind.String))
        {
            return new TemplateArrayValue { StringData = new StringArray { Data = { elements.Select(e => e.GetString()!) } } };
        }

        if (elements.All(e => e.ValueKind == JsonValueKind.Array))
        {
            return new TemplateArrayValue { ArrayData = new TemplateArrayValueArray { Data = { elements.Select(Array) } } };
        }

        return new TemplateArrayValue { JsonData = new JSONArray { Data = { elements.Select(e => ByteString.CopyFrom(Encoding.UTF8.GetBytes(e.GetRawText()))) } } };
    }
}
