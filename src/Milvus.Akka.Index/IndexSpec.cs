using System.Globalization;
using Milvus.Akka.Common;

namespace Milvus.Akka.Index;

/// <summary>
/// What to build: the index type, its metric and the build parameters exactly as Milvus sends them
/// (string keys such as "nlist", "M", "efConstruction", "m", "nbits"; keys are case-sensitive, since "M" and "m" differ).
/// </summary>
public sealed record IndexSpec(IndexType Type, MetricType Metric, IReadOnlyDictionary<string, string> Params)
{
    private static readonly IReadOnlyDictionary<string, string> NoParams = new Dictionary<string, string>();

    public IndexSpec(IndexType type, MetricType metric)
        : this(type, metric, NoParams)
    {
    }

    /// <summary>
    /// Builds a spec from Milvus's names ("IVF_FLAT", "COSINE", ...) for a field of <paramref name="fieldType"/>.
    /// AUTOINDEX resolves per field type as Milvus's shipped configuration does: HNSW with M=18 and efConstruction=240
    /// (unless the caller set them) for float-family vectors, BIN_IVF_FLAT for binary ones, SPARSE_INVERTED_INDEX for
    /// sparse ones. An index type that does not index the field's type is refused.
    /// </summary>
    public static IndexSpec FromMilvus(string indexType, string metricType, IReadOnlyDictionary<string, string>? parameters = null,
        DataType fieldType = DataType.FloatVector)
    {
        var isAuto = string.Equals(indexType.Trim(), IndexTypes.AutoIndexName, StringComparison.OrdinalIgnoreCase);
        var type = isAuto
            ? fieldType switch
            {
                DataType.BinaryVector => IndexType.BinIvfFlat,
                DataType.SparseFloatVector => IndexType.SparseInvertedIndex,
                _ => IndexType.Hnsw,
            }
            : IndexTypes.Parse(indexType);
        if (!type.Indexes(fieldType))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"index type {indexType.Trim().ToUpperInvariant()} does not support {fieldType} fields");
        }

        var metric = MetricTypes.Parse(metricType);
        if (string.Equals(indexType.Trim(), IndexTypes.MinHashLshName, StringComparison.OrdinalIgnoreCase) != (metric == MetricType.MhJaccard)
            && !(isAuto && fieldType == DataType.BinaryVector))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"metric type MHJACCARD goes with index type MINHASH_LSH only, and MINHASH_LSH with MHJACCARD; got {indexType.Trim().ToUpperInvariant()} with {metric.ToMilvusName()}");
        }

        if (isAuto && metric == MetricType.MhJaccard)
        {
            // MinHash signatures cluster poorly under Hamming centroids: scanned exactly, as MINHASH_LSH is.
            type = IndexType.BinFlat;
        }

        var values = parameters ?? NoParams;
        if (isAuto && type == IndexType.Hnsw)
        {
            var resolved = new Dictionary<string, string>(values);
            resolved.TryAdd(IndexParams.HnswM, "18");
            resolved.TryAdd(IndexParams.HnswEfConstruction, "240");
            values = resolved;
        }

        return new IndexSpec(type, metric, values);
    }

    /// <summary>
    /// The index of a struct's vector field (vectors of <paramref name="elementType"/>), built over its elements: an index
    /// of the element type under the metric one element is scored with (MAX_SIM_COSINE indexes by COSINE).
    /// </summary>
    public static IndexSpec ForElements(string indexType, string metricType, IReadOnlyDictionary<string, string>? parameters, DataType elementType) =>
        FromMilvus(indexType, MetricTypes.Parse(metricType).ElementMetric().ToMilvusName(), parameters, elementType);

    /// <summary>The metric an index of a field of <paramref name="fieldType"/> gets when none is given, as in Milvus.</summary>
    public static string DefaultMetric(DataType fieldType) => fieldType switch
    {
        DataType.BinaryVector => "HAMMING",
        DataType.SparseFloatVector => "IP",
        _ => "COSINE",
    };

    /// <summary>
    /// The metric a search or index of <paramref name="field"/> gets when none is given: BM25 on a BM25 function's
    /// output, MHJACCARD on a MinHash function's, else Milvus's default for the field's type.
    /// </summary>
    public static string DefaultMetric(FieldSchema field) =>
        field.IsBm25Output ? MetricType.Bm25.ToMilvusName()
        : field.IsMinHashOutput ? MetricType.MhJaccard.ToMilvusName()
        : DefaultMetric(field.DataType);

    /// <summary>Throws <see cref="MilvusException"/> (ParameterInvalid) when the metric or a parameter does not fit the type.</summary>
    public void Validate(int dim)
    {
        if (!Type.Supports(Metric))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"metric type {Metric.ToMilvusName()} is not supported by index type {Type.ToMilvusName()}");
        }

        if (Type.IsSparse())
        {
            // Sparse rows have no fixed dimension.
            if (Metric == MetricType.Bm25)
            {
                Sparse.Bm25Scoring.Validate(Params);
            }

            return;
        }

        if (dim <= 0 || (Type.IsBinary() && dim % 8 != 0))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, Type.IsBinary()
                ? $"binary vector dim must be a positive multiple of 8, got {dim}"
                : $"vector dim must be positive, got {dim}");
        }

        switch (Type)
        {
            case IndexType.Hnsw:
                IndexParams.HnswMaxDegree(Params);
                IndexParams.HnswConstructionEf(Params);
                break;
            case IndexType.IvfFlat or IndexType.IvfSq8 or IndexType.BinIvfFlat:
                IndexParams.NList(Params);
                break;
            case IndexType.IvfPq:
                IndexParams.NList(Params);
                IndexParams.PqBits(Params);
                var m = IndexParams.PqSubQuantizers(Params, dim);
                if (dim % m != 0)
                {
                    throw new MilvusException(ErrorCode.ParameterInvalid, $"parameter 'm' ({m}) must divide dim ({dim})");
                }

                break;
        }
    }
}

/// <summary>Milvus's parameter names, defaults and ranges, and the parsing that turns string values into numbers.</summary>
public static class IndexParams
{
    public const string NListName = "nlist";
    public const string NProbeName = "nprobe";
    public const string HnswM = "M";
    public const string HnswEfConstruction = "efConstruction";
    public const string HnswEf = "ef";
    public const string PqM = "m";
    public const string PqNBits = "nbits";

    public const int DefaultNList = 128;
    public const int DefaultNProbe = 8;
    public const int DefaultHnswM = 30;
    public const int DefaultEfConstruction = 360;
    public const int DefaultNBits = 8;

    /// <summary>hnswlib's floor for an unset ef: small top-k searches still explore enough of the graph.</summary>
    public const int MinimumDefaultEf = 16;

    public static int NList(IReadOnlyDictionary<string, string> p) => GetInt(p, NListName, DefaultNList, 1, 65536);

    public static int NProbe(IReadOnlyDictionary<string, string> p) => GetInt(p, NProbeName, DefaultNProbe, 1, 65536);

    public static int HnswMaxDegree(IReadOnlyDictionary<string, string> p) => GetInt(p, HnswM, DefaultHnswM, 2, 2048);

    public static int HnswConstructionEf(IReadOnlyDictionary<string, string> p) => GetInt(p, HnswEfConstruction, DefaultEfConstruction, 1, int.MaxValue);

    /// <summary>The search-time ef: the caller's value (which must be at least <paramref name="k"/>), else max(k, 16).</summary>
    public static int HnswSearchEf(IReadOnlyDictionary<string, string> p, int k)
    {
        if (!p.ContainsKey(HnswEf))
        {
            return Math.Max(k, MinimumDefaultEf);
        }

        var ef = GetInt(p, HnswEf, k, 1, int.MaxValue);
        if (ef < k)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"parameter 'ef' ({ef}) must be greater than or equal to topk ({k})");
        }

        return ef;
    }

    public static int PqBits(IReadOnlyDictionary<string, string> p) => GetInt(p, PqNBits, DefaultNBits, 1, 8);

    /// <summary>PQ sub-quantizer count; unset means dim/4 rounded down to a divisor of dim (at least 1), as 4-float subvectors keep recall usable.</summary>
    public static int PqSubQuantizers(IReadOnlyDictionary<string, string> p, int dim)
    {
        if (p.ContainsKey(PqM))
        {
            return GetInt(p, PqM, 1, 1, dim);
        }

        var m = Math.Max(1, dim / 4);
        while (dim % m != 0)
        {
            m--;
        }

        return m;
    }

    /// <summary>Reads an integer parameter, or <paramref name="default"/> when absent; out-of-range or malformed values name the parameter.</summary>
    public static int GetInt(IReadOnlyDictionary<string, string> p, string name, int @default, int min, int max)
    {
        if (!p.TryGetValue(name, out var text))
        {
            return @default;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"parameter '{name}' must be an integer in [{min}, {max}], got '{text}'");
        }

        return value;
    }
}
