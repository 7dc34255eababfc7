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
}
