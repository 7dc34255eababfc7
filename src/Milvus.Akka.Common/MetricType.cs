namespace Milvus.Akka.Common;

/// <summary>Distance metrics. L2 is squared Euclidean; for L2, HAMMING and JACCARD smaller is better.</summary>
public enum MetricType
{
    L2,
    IP,
    Cosine,
    Hamming,
    Jaccard,

    /// <summary>Okapi BM25 relevance of a BM25 function's output field to a query text; larger is better.</summary>
    Bm25,
}

public static class MetricTypes
{
    /// <summary>True when a larger score is a better match (IP, COSINE, BM25).</summary>
    public static bool HigherIsBetter(this MetricType metric) => metric is MetricType.IP or MetricType.Cosine or MetricType.Bm25;

    public static string ToMilvusName(this MetricType metric) => metric switch
    {
        MetricType.L2 => "L2",
        MetricType.IP => "IP",
        MetricType.Cosine => "COSINE",
        MetricType.Hamming => "HAMMING",
        MetricType.Jaccard => "JACCARD",
        MetricType.Bm25 => "BM25",
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
            case "BM25": metric = MetricType.Bm25; return true;
            default: metric = default; return false;
        }
    }

    public static MetricType Parse(string name) => TryParse(name, out var metric)
        ? metric
        : throw new MilvusException(ErrorCode.ParameterInvalid, $"metric type '{name}' is not supported; use L2, IP, COSINE, HAMMING, JACCARD or BM25");
}
