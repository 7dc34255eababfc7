using Akka.Configuration;
using Milvus.Akka.Embedding;
using Milvus.Akka.Server;

namespace Milvus.Akka.Proxy.Tests;

public sealed class ProxySettingsTests
{
    /// <summary>
    /// A batch over the shard limit is split and copied once more on the insert path, so the shipped limit keeps a
    /// client's usual batch (800 rows of 784-d floats with Int64 keys, ~2.5 MB) whole, and a batch at the limit still
    /// travels between nodes in one remoting frame with room to spare.
    /// </summary>
    [Fact]
    public void The_shipped_shard_batch_limit_keeps_a_usual_batch_whole_and_fits_a_remoting_frame()
    {
        var config = MilvusConfig.Load(new NodeOptions { DataDir = Path.GetTempPath() });
        var limit = ProxySettings.From(config).MaxShardBatchBytes;

        Assert.Equal(ProxySettings.Default.MaxShardBatchBytes, limit);
        Assert.True(limit >= 800L * (784 * sizeof(float) + sizeof(long)), $"{limit} bytes split an 800 × 784 batch");
        Assert.True(2 * limit <= config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size"), $"{limit} bytes is over half a remoting frame");
    }

    /// <summary>A flush may outlast ask-timeout (a large flush to a slow object store): it has a bound of its own.</summary>
    [Fact]
    public void A_flush_is_bounded_by_its_own_timeout_not_by_ask_timeout()
    {
        var shipped = ProxySettings.From(MilvusConfig.Load(new NodeOptions { DataDir = Path.GetTempPath() }));
        Assert.Equal(TimeSpan.FromMinutes(5), shipped.FlushTimeout);
        Assert.True(shipped.FlushTimeout > shipped.AskTimeout);
        // The Flush call answers within the Node SDK's default deadline of 15 s.
        Assert.Equal(TimeSpan.FromSeconds(10), shipped.FlushWait);

        var set = ProxySettings.From(ConfigurationFactory.ParseString("milvus.proxy { ask-timeout = 3s, flush-timeout = 90s, flush-wait = 1s }"));
        Assert.Equal(TimeSpan.FromSeconds(90), set.FlushTimeout);
        Assert.Equal(TimeSpan.FromSeconds(1), set.FlushWait);
        Assert.Equal(TimeSpan.FromSeconds(3), set.AskTimeout);
    }

    [Fact]
    public void Text_embedding_settings_are_read_from_the_shipped_file_and_overrides_and_nonsense_is_refused()
    {
        var shipped = ProxySettings.From(MilvusConfig.Load(new NodeOptions { DataDir = Path.GetTempPath() })).TextEmbedding;
        Assert.Equal(TextEmbeddingSettings.Default with { Credentials = shipped.Credentials }, shipped);
        Assert.Empty(shipped.Credentials);

        var set = ProxySettings.From(ConfigurationFactory.ParseString("""
            milvus.proxy.text-embedding {
              timeout = 5s
              max-concurrent-calls = 8
              credentials { team = "sk-team" }
              providers.openai { url = "http://127.0.0.1:8000/v1/embeddings", credential = team, max-batch = 16 }
              providers.tei { enabled = off, credential = team }
            }
            """)).TextEmbedding;
        Assert.Equal(TimeSpan.FromSeconds(5), set.Timeout);
        Assert.Equal(8, set.MaxConcurrentCalls);
        Assert.Equal("sk-team", set.Credentials["team"]);
        Assert.Equal(new OpenAiSettings("http://127.0.0.1:8000/v1/embeddings", "team", 16), set.OpenAi);
        Assert.Equal(new TeiSettings(false, "team"), set.Tei);

        foreach (var wrong in (string[])["timeout = 0s", "max-concurrent-calls = 0", "providers.openai.max-batch = 0", "providers.openai.url = \"not a url\""])
        {
            var refused = Assert.Throws<ConfigurationException>(() => ProxySettings.From(ConfigurationFactory.ParseString($"milvus.proxy.text-embedding {{ {wrong} }}")));
            Assert.Contains("milvus.proxy.text-embedding", refused.Message);
        }
    }
}
