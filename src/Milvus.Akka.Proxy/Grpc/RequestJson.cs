using System.Text.Json;
using Milvus.Akka.Common;

namespace Milvus.Akka.Proxy.Grpc;

/// <summary>JSON that requests carry in string parameters (search params, boost random scores, highlight queries).</summary>
internal static class RequestJson
{
    /// <summary>The parsed value of <paramref name="json"/>, which must be of <paramref name="kind"/>.</summary>
    /// <exception cref="MilvusException">ParameterInvalid, naming <paramref name="what"/>, for text that is not JSON or another kind of value.</exception>
    public static JsonElement Parse(string json, string what, JsonValueKind kind)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(json);
            root = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"{what} is not valid JSON ({e.Message}): {json}");
        }

        return root.ValueKind == kind
            ? root
            : throw new MilvusException(ErrorCode.ParameterInvalid, $"{what} must be a JSON {kind.ToString().ToLowerInvariant()}, got: {json}");
    }
}
