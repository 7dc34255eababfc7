using Milvus.Akka.Common;
using Milvus.Akka.Proxy;

namespace Milvus.Akka.Server.Tests;

/// <summary>
/// Writes carry request ids and shards answer a batch they already applied with its first acknowledgement: a batch
/// the proxy sends again after a timeout, or a whole request sent again with the same id (even after a restart, which
/// replays the journal), leaves exactly one copy of each row.
/// </summary>
public sealed class IdempotentWriteTests() : StandaloneNodeTest(Config)
{
    // Below the time a shard takes to take in and journal a 2 MiB batch here (serialize-messages on): batches time out
    // and are sent again.
    private const string Config = "milvus.proxy.shard-attempt-timeout = 200ms";

    [Fact]
    public async Task Inserts_retried_after_forced_timeouts_leave_one_copy_of_each_row()
    {
        var collection = new OracleCollection(Proxy, "retried", seed: 5);
        await collection.CreateAndLoadAsync(shards: 2);

        // 3 vector fields of 128 floats: 1,500 rows are several 2 MiB batches per shard.
        for (var first = 0L; first < 6000; first += 1500)
        {
            await collection.InsertAsync(first, 1500);
        }

        await AssertEachRowOnceAsync(collection.Name, 6000);
        await collection.AssertMatchesOracleAsync();
    }

    [Fact]
    public async Task A_request_sent_again_with_its_request_id_is_applied_once_even_after_a_restart()
    {
        var collection = new OracleCollection(Proxy, "resent", seed: 6);
        await collection.CreateAndLoadAsync(shards: 2);
        var rows = collection.Rows.Make(0, 800);

        // Twice at once (the second arrives while the first is in flight), then once more.
        var results = await Task.WhenAll(
            Proxy.InsertAsync(null, collection.Name, rows, requestId: "insert-1"),
            Proxy.InsertAsync(null, collection.Name, rows, requestId: "insert-1"));
        var again = await Proxy.InsertAsync(null, collection.Name, rows, requestId: "insert-1");
        Assert.Equal(results[0].Timestamp, results[1].Timestamp);
        Assert.Equal(results[0].Timestamp, again.Timestamp);
        await AssertEachRowOnceAsync(collection.Name, 800);

        var deleted = await Proxy.DeleteAsync(null, collection.Name, "id in [1, 2, 3]", requestId: "delete-1");
        collection.Rows.Delete([1, 2, 3]);
        await RestartNodeAsync();
        collection = collection.Through(Proxy);
        await Proxy.LoadCollectionAsync(null, collection.Name);

        // The journal replayed on restart carries the request ids: both are still answered from memory.
        var replayed = await Proxy.InsertAsync(null, collection.Name, rows, requestId: "insert-1");
        Assert.Equal(results[0].Timestamp, replayed.Timestamp);
        Assert.Equal(deleted.Timestamp, (await Proxy.DeleteAsync(null, collection.Name, "id in [1, 2, 3]", requestId: "delete-1")).Timestamp);
        await AssertEachRowOnceAsync(collection.Name, 797);
        await collection.AssertMatchesOracleAsync();

        // A new id is a new write: rows with existing keys get a second version (as in Milvus), which count(*) counts,
        // so the counts above would have shown a duplicated batch.
        var fresh = await Proxy.InsertAsync(null, collection.Name, collection.Rows.Make(10, 10), requestId: "insert-2");
        Assert.True(fresh.Timestamp > replayed.Timestamp);
        Assert.Equal(807, (await CountAsync(collection.Name)).Count);
    }

    [Fact]
    public async Task A_request_id_is_refused_where_auto_id_would_make_every_attempt_different()
    {
        var schema = TestRows.Schema("auto");
        schema = schema with { Fields = [.. schema.Fields.Select(f => f.IsPrimaryKey ? f with { AutoId = true } : f)] };
        await Proxy.CreateCollectionAsync(null, schema);
        var rows = new TestRows(seed: 1).Make(0, 3);
        rows.Remove("id");

        var error = await Assert.ThrowsAsync<MilvusException>(() => Proxy.InsertAsync(null, "auto", rows, requestId: "r"));
        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Equal(3, (await Proxy.InsertAsync(null, "auto", rows)).InsertCount);
    }

    private async Task AssertEachRowOnceAsync(string collection, int expected)
    {
        var ids = await Proxy.QueryAsync(new QueryRequest
        {
            Collection = collection,
            Filter = "id >= 0",
            OutputFields = ["id"],
            Limit = 16_384,
            Consistency = ConsistencyLevel.Strong,
        });
        var count = await CountAsync(collection);
        var values = ((ScalarColumn<long>)ids.Ids).Values;
        Assert.Equal(values.Length, values.Distinct().Count());
        Assert.Equal(expected, values.Length);
        // count(*) counts every stored version: a duplicated batch would show here even though query results dedup keys.
        Assert.Equal(expected, count.Count);
    }

    private Task<QueryResult> CountAsync(string collection) => Proxy.QueryAsync(new QueryRequest
    {
        Collection = collection,
        OutputFields = ["count(*)"],
        Consistency = ConsistencyLevel.Strong,
    });
}
