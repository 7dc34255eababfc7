using System.Globalization;
using System.Text.Json;
using Milvus.Akka.Common;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.Segments;
using FunctionSchema = Milvus.Akka.Grpc.Protocol.Schema.FunctionSchema;

namespace Milvus.Akka.Proxy.Grpc;

/// <summary>
/// Milvus 2.6's boost rankers as a search's function_score carries them: functions whose reranker is "boost", each
/// with a weight, an optional filter and an optional random_score (<c>{"seed": n, "field": "an Int64 field"}</c>), and
/// the function_score's boost_mode and function_mode ("Multiply", the default, or "Sum").
/// </summary>
internal static class BoostRankers
{
    private const string RerankerKey = "reranker";

    public static bool IsBoost(FunctionSchema function) =>
        function.Params.Any(p => p.Key.Equals(RerankerKey, StringComparison.OrdinalIgnoreCase) && p.Value.Equals("boost", StringComparison.OrdinalIgnoreCase));

    /// <summary>A ranker's filter may use the search's template placeholders; they are bound with the search's filter.</summary>
    /// <exception cref="MilvusException">ParameterInvalid for a missing or non-numeric weight, a bad random_score or mode.</exception>
    public static SearchBoostRequest Parse(FunctionScore score)
    {
        var parameters = score.Params.ToDictionary(p => p.Key.ToLowerInvariant(), p => p.Value);
        return new SearchBoostRequest([.. score.Functions.Select(Ranker)],
            Combination(parameters.GetValueOrDefault("boost_mode"), "boost mode"), Combination(parameters.GetValueOrDefault("function_mode"), "function mode"));
    }

    private static BoostRankerRequest Ranker(FunctionSchema function)
    {
        var parameters = function.Params.ToDictionary(p => p.Key.ToLowerInvariant(), p => p.Value);
        if (!parameters.TryGetValue("weight", out var weightText))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "must set weight params for weight scorer");
        }

        if (!float.TryParse(weightText, NumberStyles.Float, CultureInfo.InvariantCulture, out var weight) || !float.IsFinite(weight))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"the weight of boost function '{function.Name}' must be a finite number, got '{weightText}'");
        }

        var filter = parameters.TryGetValue("filter", out var text) && !string.IsNullOrWhiteSpace(text) ? text : null;
        if (!parameters.TryGetValue("random_score", out var random))
        {
            return new BoostRankerRequest(filter, weight);
        }

        var (seed, field) = RandomScore(random);
        return new BoostRankerRequest(filter, weight, Random: true, seed, field);
    }

    private static (long Seed, string? Field) RandomScore(string json)
    {
        var root = RequestJson.Parse(json, "random_score", JsonValueKind.Object);
        long seed = 0;
        string? field = null;
        foreach (var property in root.EnumerateObject())
        {
            switch (property.Name)
            {
                case "seed":
                    seed = property.Value.ValueKind == JsonValueKind.Number
                        ? Seed(property.Value)
                        : throw new MilvusException(ErrorCode.ParameterInvalid, "random seed must be number");
                    break;
                case "field":
                    field = property.Value.ValueKind == JsonValueKind.String
                        ? property.Value.GetString()
                        : throw new MilvusException(ErrorCode.ParameterInvalid, "random seed field name must be string");
                    break;
            }
        }

        return (seed, field);
    }

    /// <summary>An integer seed as it is; another number by its integer part (Milvus reads a seed as an integer).</summary>
    private static long Seed(JsonElement number)
    {
        if (number.TryGetInt64(out var seed))
        {
            return seed;
        }

        var value = number.GetDouble();
        return value is >= long.MinValue and < long.MaxValue
            ? (long)Math.Truncate(value)
            : throw new MilvusException(ErrorCode.ParameterInvalid, $"random seed {number.GetRawText()} is out of the range of a 64-bit integer");
    }

    private static BoostCombination Combination(string? text, string what) => text?.ToLowerInvariant() switch
    {
        null or "multiply" => BoostCombination.Multiply,
        "sum" => BoostCombination.Sum,
        _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"unknown {what}: {text}"),
    };
}
