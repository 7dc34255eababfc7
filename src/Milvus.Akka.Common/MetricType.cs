namespace Milvus.Akka.Common;

/// <summary>Distance metrics. L2 is squared Euclidean; for L2, HAMMING and JACCARD smaller is better.</summary>
public enum MetricType
{
    L2,
    IP,
    Cosine,
    Hamming,
    Jaccard,
}

public static class MetricTypes
{
    /// <summary>True when a larger score is a better match (IP, COSINE).</summary>
    public static bool HigherIsBetter(this MetricType metric) => metric is MetricType.IP or MetricType.Cosine;

    public static string ToMilvusName(this MetricType metric) => metric switch
    {
        MetricType.L2 => "L2",
        MetricType.IP => "IP",
        MetricType.Cosine => "COSINE",
        MetricType.Hamming => "HAMMING",
        MetricType.Jaccard => "JACCARD",
        _ => throw new ArgumentOutOfRangeException(nameof(metric)),
    };

    public static bool TryParse(string? name, out MetricType metric)
    {
        switch (name?.Trim().ToUpperInvariant())
        {
            case "L2": metric = MetricType.L2; return true;
            case "IP": metric = MetricType.IP; return true;
            case "COSINE": metric = MetricType.Cosine; return true;
            case "HAMMING": metric = MetricType.Hamming; return true;
            case "JACCARD": metric = MetricType.Jaccard; return true;
            default: metric = default; return false;
        }
    }

    public static MetricType Parse(string name) => TryParse(name, out var metric)
        ? metric
        : throw new MilvusException(ErrorCode.ParameterInvalid, $"metric type '{name}' is not supported; use L2, IP, COSINE, HAMMING or JACCARD");
}
