using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Proxy;

namespace Milvus.Akka.Server.Tests;

/// <summary>The coordinator's state lives in meta storage: a restarted server finds its catalog and never issues an older timestamp.</summary>
public sealed class CoordinatorRestartTests : IAsyncLifetime
{
    private readonly string _dataDir = StandaloneNode.NewDataDir();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_dataDir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Catalog_and_data_survive_a_restart_and_timestamps_keep_increasing()
    {
        var rows = new TestRows(seed: 11);
        ulong before;
        await using (var node = await StandaloneNode.StartAsync(_dataDir))
        {
            var proxy = node.Proxy!;
            await proxy.CreateDatabaseAsync("analytics");
            await proxy.CreateCollectionAsync("analytics", TestRows.Schema("events"), shards: 2);
            await proxy.CreatePartitionAsync("analytics", "events", "recent");
            await proxy.CreateAliasAsync("analytics", "events_alias", "events");
            foreach (var (field, metric) in new[] { ("vec_l2", "L2"), ("vec_ip", "IP"), ("vec_cos", "COSINE") })
            {
                await proxy.CreateIndexAsync("analytics", "events", field, $"{field}_index",
                    ImmutableSortedDictionary<string, string>.Empty.Add("index_type", "FLAT").Add("metric_type", metric));
            }

            await proxy.InsertAsync("analytics", "events", rows.Make(0, 500));
            await proxy.InsertAsync("analytics", "events", rows.Make(500, 200), partition: "recent");
            await proxy.DeleteAsync("analytics", "events", "id in [1, 2, 3]");
            rows.Delete([1, 2, 3]);
            before = await proxy.AllocateTimestampAsync();
        }

        await using (var node = await StandaloneNode.StartAsync(_dataDir))
        {
            var proxy = node.Proxy!;
            var after = await proxy.AllocateTimestampAsync();
            Assert.True(after > before, $"timestamp went back: {after} <= {before}");

            Assert.Contains(await proxy.ListDatabasesAsync(), d => d.Name == "analytics");
            var info = await proxy.DescribeCollectionAsync("analytics", "events_alias");
            Assert.Equal("events", info.Name);
            Assert.Equal(2, info.ShardsNum);
            Assert.Equal(["_default", "recent"], info.Partitions.Select(p => p.Name).Order());
            Assert.Equal(["vec_cos_index", "vec_ip_index", "vec_l2_index"], info.Indexes.Select(i => i.Name).Order());
            Assert.Equal(TestRows.Schema("events").Fields.Select(f => f.Name), info.Schema.Fields.Select(f => f.Name));

            await proxy.LoadCollectionAsync("analytics", "events");
            var all = await proxy.QueryAsync(new QueryRequest
            {
                Database = "analytics",
                Collection = "events",
                Filter = "id >= 0",
                Consistency = ConsistencyLevel.Strong,
            });
            Assert.Equal(rows.Visible.Select(r => r.Id), ((ScalarColumn<long>)all.Ids).Values);
            var recent = await proxy.QueryAsync(new QueryRequest
            {
                Database = "analytics",
                Collection = "events",
                OutputFields = ["count(*)"],
                Partitions = ["recent"],
                Consistency = ConsistencyLevel.Strong,
            });
            Assert.Equal(200, recent.Count);
        }
    }
}
