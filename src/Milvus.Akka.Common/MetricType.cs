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

    /// <summary>
    /// Embedding-list metrics of array-of-struct vector fields (Milvus's MAX_SIM family): the sum, over the query
    /// list's vectors, of each one's best score against the row's vectors under the element metric
    /// (<see cref="MetricTypes.ElementMetric"/>). MAX_SIM is MAX_SIM_COSINE.
    /// </summary>
    MaxSim,
    MaxSimCosine,
    MaxSimIP,
    MaxSimL2,
    MaxSimHamming,
    MaxSimJaccard,

    /// <summary>
    /// The MinHash Jaccard estimate of two MinHash signatures (BinaryVector of 32-bit values): the share of positions
    /// whose values agree; larger is better. Stored indexes keep metrics by number, so it comes last.
    /// </summary>
    MhJaccard,
}

public static class MetricTypes
{
    /// <summary>True when a larger score is a better match (IP, COSINE, BM25).</summary>
    public static bool HigherIsBetter(this MetricType metric) => metric is MetricType.IP or MetricType.Cosine or MetricType.Bm25
        or MetricType.MaxSim or MetricType.MaxSimCosine or MetricType.MaxSimIP or MetricType.MhJaccard;

    public static bool IsMaxSim(this MetricType metric) => metric is >= MetricType.MaxSim and <= MetricType.MaxSimJaccard;

    /// <summary>The metric a MAX_SIM metric scores one query vector against one row vector with; other metrics themselves.</summary>
    public static MetricType ElementMetric(this MetricType metric) => metric switch
    {
        MetricType.MaxSim or MetricType.MaxSimCosine => MetricType.Cosine,
        MetricType.MaxSimIP => MetricType.IP,
        MetricType.MaxSimL2 => MetricType.L2,
        MetricType.MaxSimHamming => MetricType.Hamming,
        MetricType.MaxSimJaccard => MetricType.Jaccard,
        _ => metric,
    };

    public static string ToMilvusName(this MetricType metric) => metric switch
    {
        MetricType.L2 => "L2",
        MetricType.IP => "IP",
        MetricType.Cosine => "COSINE",
        MetricType.Hamming => "HAMMING",
        MetricType.Jaccard => "JACCARD",
        MetricType.Bm25 => "BM25",
        MetricType.MaxSim => "MAX_SIM",
        MetricType.MaxSimCosine => "MAX_SIM_COSINE",
        MetricType.MaxSimIP => "MAX_SIM_IP",
        MetricType.MaxSimL2 => "MAX_SIM_L2",
        MetricType.MaxSimHamming => "MAX_SIM_HAMMING",
        MetricType.MaxSimJaccard => "MAX_SIM_JACCARD",
        MetricType.MhJaccard => "MHJACCARD",
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
            case "MAX_SIM": metric = MetricType.MaxSim; return true;
            case "MAX_SIM_COSINE": metric = MetricType.MaxSimCosine; return true;
            case "MAX_SIM_IP": metric = MetricType.MaxSimIP; return true;
            case "MAX_SIM_L2": metric = MetricType.MaxSimL2; return true;
            case "MAX_SIM_HAMMING": metric = MetricType.MaxSimHamming; return true;
            case "MAX_SIM_JACCARD": metric = MetricType.MaxSimJaccard; return true;
            case "MHJACCARD": metric = MetricType.MhJaccard; return true;
            default: metric = default; return false;
        }
    }

    public static MetricType Parse(string name) => TryParse(name, out var metric)
        ? metric
        : throw new MilvusException(ErrorCode.ParameterInvalid, $"metric type '{name}' is not supported; use L2, IP, COSINE, HAMMING, JACCARD, MHJACCARD, BM25 or (on a struct's vectors) MAX_SIM, MAX_SIM_COSINE, MAX_SIM_IP, MAX_SIM_L2, MAX_SIM_HAMMING or MAX_SIM_JACCARD");
}
