using Milvus.Akka.TestSupport;

namespace Milvus.Akka.Server.Tests;

/// <summary>
/// An upsert that fails midway never loses the acknowledged version of its rows: each shard journals the delete of
/// its keys and their new rows in one atomic write. The shards' journal here rejects the rows of requests whose id
/// starts with <see cref="RejectingJournal.RequestIdPrefix"/>, so such an upsert fails on every shard until the
/// client's deadline.
/// </summary>
public sealed class UpsertAtomicityTests() : StandaloneNodeTest(Config)
{
    private const string Config = RejectingJournal.Hocon + "\n" + $"milvus.streaming.journal-plugin-id = \"{RejectingJournal.PluginId}\"";

    [Fact]
    public async Task An_upsert_whose_rows_are_not_stored_leaves_the_previous_version_and_a_later_one_replaces_it()
    {
        var collection = new OracleCollection(Proxy, "upserted", seed: 7);
        await collection.CreateAndLoadAsync(shards: 2);
        await collection.InsertAsync(0, 200);

        // Other rows for the same keys, kept out of the oracle: the upsert must not take effect.
        var rejected = new TestRows(seed: 8).Make(0, 200);
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Proxy.UpsertAsync(null, collection.Name, rejected,
                cancellationToken: deadline.Token, requestId: $"{RejectingJournal.RequestIdPrefix}-1"));
        }

        await collection.AssertMatchesOracleAsync();

        var upserted = await Proxy.UpsertAsync(null, collection.Name, collection.Rows.Make(0, 200), requestId: "upsert-1");
        Assert.Equal(200, upserted.UpsertCount);
        await collection.AssertMatchesOracleAsync();
    }
}
