using System.Collections.Immutable;
using Akka.Configuration;
using Milvus.Akka.Embedding;
using Milvus.Akka.Expressions;
using Milvus.Akka.Proxy.Grpc;
using Milvus.Akka.Proxy.Quotas;
using Milvus.Akka.Proxy.Rest;
using Milvus.Akka.Proxy.WebConsole;
using Milvus.Akka.Security;

namespace Milvus.Akka.Proxy;

/// <summary>Typed view of <c>milvus.proxy</c>; see hocon/role.proxy.hocon.</summary>
public sealed record ProxySettings(TimeSpan AskTimeout, TimeSpan LoadTimeout, int MaxTopK, int MaxNq, long MaxShardBatchBytes, TimeSpan GracefulTime)
{
    /// <summary>Milvus's cap on topk, nq and offset + limit.</summary>
    public const int MilvusResultLimit = 16_384;

    /// <summary>The MilvusService endpoint (<c>milvus.proxy.grpc</c>).</summary>
    public GrpcSettings Grpc { get; init; } = GrpcSettings.Default;

    /// <summary>Write timestamps taken from the oracle per round trip; see <see cref="Coordinator.TimestampOracle.ShardRaiseHeadroom"/>.</summary>
    public int TimestampBlockSize { get; init; } = 256;

    /// <summary>Auto-id row ids taken from the coordinator per round trip.</summary>
    public int IdBlockSize { get; init; } = 10_000;

    /// <summary>How long cached collection metadata is kept at most, should a catalog change announcement be lost.</summary>
    public TimeSpan MetadataCacheTtl { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Bounds on every filter a client sends (<c>milvus.proxy.filter</c>).</summary>
    public FilterLimits Filter { get; init; } = FilterLimits.Default;

    /// <summary>How long one attempt of a request to a shard waits before asking again (<c>milvus.proxy.shard-attempt-timeout</c>).</summary>
    public TimeSpan ShardAttemptTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one attempt of a timestamp or id request waits before asking again (<c>milvus.proxy.coordinator-attempt-timeout</c>).</summary>
    public TimeSpan CoordinatorAttemptTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a flush waits for its segments to reach object storage (<c>milvus.proxy.flush-timeout</c>).</summary>
    public TimeSpan FlushTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a Flush call waits for its segments to reach object storage before it answers anyway, the upload going
    /// on and GetFlushState telling when it is done (<c>milvus.proxy.flush-wait</c>).
    /// </summary>
    public TimeSpan FlushWait { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a read waits for the oracle to reach a guarantee_timestamp ahead of it (<c>milvus.proxy.guarantee-timeout</c>).</summary>
    public TimeSpan GuaranteeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Authentication and access control (<c>milvus.security</c>, shared with the coordinator).</summary>
    public SecuritySettings Security { get; init; } = SecuritySettings.Default;

    /// <summary>Request rates and sizes (<c>milvus.quota</c>, Milvus's quotaAndLimits).</summary>
    public QuotaSettings Quota { get; init; } = QuotaSettings.Default;

    /// <summary>Bulk imports this proxy runs (<c>milvus.proxy.import</c>).</summary>
    public ImportSettings Import { get; init; } = ImportSettings.Default;

    /// <summary>Model providers of text embedding functions (<c>milvus.proxy.text-embedding</c>).</summary>
    public TextEmbeddingSettings TextEmbedding { get; init; } = TextEmbeddingSettings.Default;

    /// <summary>The web console's request history (<c>milvus.proxy.console</c>).</summary>
    public ConsoleSettings Console { get; init; } = ConsoleSettings.Default;

    /// <summary>Milvus's RESTful API on the gRPC port (<c>milvus.proxy.rest</c>).</summary>
    public RestSettings Rest { get; init; } = RestSettings.Default;

    public static ProxySettings Default { get; } = new(TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(5), MilvusResultLimit, MilvusResultLimit,
        4L << 20, TimeSpan.FromSeconds(5));

    public static ProxySettings From(Config config)
    {
        var c = config.GetConfig("milvus.proxy");
        return c is null || c.IsEmpty
            ? Default with { Security = SecuritySettings.From(config), Quota = QuotaSettings.From(config) }
            : new ProxySettings(
                c.GetTimeSpan("ask-timeout", Default.AskTimeout),
                c.GetTimeSpan("load-timeout", Default.LoadTimeout),
                c.GetInt("max-topk", Default.MaxTopK),
                c.GetInt("max-nq", Default.MaxNq),
                c.GetByteSize("max-shard-batch-bytes") ?? Default.MaxShardBatchBytes,
                c.GetTimeSpan("graceful-time", Default.GracefulTime))
            {
                Grpc = GrpcSettings.From(c),
                TimestampBlockSize = c.GetInt("timestamp-block-size", Default.TimestampBlockSize),
                IdBlockSize = c.GetInt("id-block-size", Default.IdBlockSize),
                MetadataCacheTtl = c.GetTimeSpan("metadata-cache-ttl", Default.MetadataCacheTtl),
                Filter = FilterLimitsFrom(c),
                ShardAttemptTimeout = c.GetTimeSpan("shard-attempt-timeout", Default.ShardAttemptTimeout),
                CoordinatorAttemptTimeout = c.GetTimeSpan("coordinator-attempt-timeout", Default.CoordinatorAttemptTimeout),
                GuaranteeTimeout = c.GetTimeSpan("guarantee-timeout", Default.GuaranteeTimeout),
                FlushTimeout = c.GetTimeSpan("flush-timeout", Default.FlushTimeout),
                FlushWait = c.GetTimeSpan("flush-wait", Default.FlushWait),
                Security = SecuritySettings.From(config),
                Quota = QuotaSettings.From(config),
                Console = ConsoleSettings.From(c),
                Rest = RestSettings.From(c),
                Import = ImportSettings.From(c.GetConfig("import")),
                TextEmbedding = TextEmbeddingSettingsFrom(c.GetConfig("text-embedding")),
            };
    }

    private static TextEmbeddingSettings TextEmbeddingSettingsFrom(Config? c)
    {
        var defaults = TextEmbeddingSettings.Default;
        if (c is null || c.IsEmpty)
        {
            return defaults;
        }

        var credentials = c.GetConfig("credentials");
        var timeout = c.GetTimeSpan("timeout", defaults.Timeout);
        var url = c.GetString("providers.openai.url", defaults.OpenAi.Url);
        var maxBatch = c.GetInt("providers.openai.max-batch", defaults.OpenAi.MaxBatch);
        var concurrency = c.GetInt("max-concurrent-calls", defaults.MaxConcurrentCalls);
        if (timeout <= TimeSpan.Zero || maxBatch <= 0 || concurrency <= 0 || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ConfigurationException($"milvus.proxy.text-embedding: timeout ({timeout}), max-concurrent-calls ({concurrency}) and " +
                $"providers.openai.max-batch ({maxBatch}) must be positive, providers.openai.url ({url}) an http or https URL");
        }

        return new TextEmbeddingSettings(
            timeout,
            credentials is null || credentials.IsEmpty
                ? defaults.Credentials
                : credentials.AsEnumerable().ToImmutableDictionary(e => e.Key, e => e.Value.GetString(), StringComparer.Ordinal),
            new OpenAiSettings(url, c.GetString("providers.openai.credential", defaults.OpenAi.Credential), maxBatch),
            new TeiSettings(
                c.GetBoolean("providers.tei.enabled", defaults.Tei.Enabled),
                c.GetString("providers.tei.credential", defaults.Tei.Credential)))
        {
            MaxConcurrentCalls = concurrency,
        };
    }

    private static FilterLimits FilterLimitsFrom(Config proxy)
    {
        var defaults = FilterLimits.Default;
        try
        {
            return new FilterLimits(
                proxy.GetInt("filter.max-length", defaults.MaxLength),
                proxy.GetInt("filter.max-depth", defaults.MaxDepth),
                proxy.GetInt("filter.max-list-items", defaults.MaxListItems));
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ConfigurationException($"milvus.proxy.filter: {e.Message}");
        }
    }
}

/// <summary>Typed view of <c>milvus.proxy.import</c>.</summary>
public sealed record ImportSettings(int BatchRows, long MaxJobBytes, int MaxFiles, int MaxRunningJobs)
{
    public static ImportSettings Default { get; } = new(10_000, 2L << 30, 1024, 2);

    public static ImportSettings From(Config? c) => c is null || c.IsEmpty
        ? Default
        : new ImportSettings(c.GetInt("batch-rows", Default.BatchRows), c.GetByteSize("max-job-size") ?? Default.MaxJobBytes,
            c.GetInt("max-files", Default.MaxFiles), c.GetInt("max-running-jobs", Default.MaxRunningJobs));
}
