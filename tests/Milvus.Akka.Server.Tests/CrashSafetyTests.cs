using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.TestSupport;
using static Milvus.Akka.Server.Tests.IdVectorRequests;

namespace Milvus.Akka.Server.Tests;

/// <summary>
/// The server killed with SIGKILL in the middle of inserts and restarted on the same data directory: every
/// acknowledged row is there (unless a delete of it was sent), no acknowledged delete is undone, and no batch appears
/// twice.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class CrashSafetyTests : IAsyncLifetime
{
    private const string Collection = "crash";
    private const int Dim = 8;
    private readonly string _dataDir = StandaloneNode.NewDataDir();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }

        File.Delete(MilvusServerProcess.ConfigFile(_dataDir));
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Acknowledged_writes_survive_kill_9()
    {
        var port = ServerProcess.FreePort();
        var acknowledged = new HashSet<long>();
        var deleted = new HashSet<long>();
        // A delete the kill interrupted may or may not have been made durable: its rows may be either present or gone.
        var deleteSent = new HashSet<long>();
        long sent = 0;
        await using (var server = await MilvusServerProcess.StartAsync(_dataDir, port))
        {
            var client = server.Client;
            Ok((await client.CreateCollectionAsync(new CreateCollectionRequest
            {
                CollectionName = Collection,
                Schema = IdVectorRequests.Schema(Collection, Dim).ToByteString(),
                ShardsNum = 2,
            })));
            Ok(await client.CreateIndexAsync(new CreateIndexRequest
            {
                CollectionName = Collection,
                FieldName = "vec",
                ExtraParams = { Pair("index_type", "FLAT"), Pair("metric_type", "L2") },
            }));
            Ok(await client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = Collection }));

            // The writer runs until a request fails: the kill below must end it with an error, however its last request
            // and the kill interleave (a writer that checked a stop flag could finish cleanly when a reply beat the kill).
            var writer = Task.Run(async () =>
            {
                for (var batch = 0; ; batch++)
                {
                    var first = batch * 50L;
                    Interlocked.Exchange(ref sent, first + 50);
                    var result = await client.InsertAsync(IdVectorRequests.Insert(Collection, Dim, first, 50));
                    Ok(result.Status);
                    lock (acknowledged)
                    {
                        for (var id = first; id < first + 50; id++)
                        {
                            acknowledged.Add(id);
                        }
                    }

                    if (batch % 5 == 4)
                    {
                        lock (acknowledged)
                        {
                            deleteSent.Add(first);
                            deleteSent.Add(first + 1);
                        }

                        Ok((await client.DeleteAsync(new DeleteRequest { CollectionName = Collection, Expr = $"id in [{first}, {first + 1}]" })).Status);
                        lock (acknowledged)
                        {
                            deleted.Add(first);
                            deleted.Add(first + 1);
                        }
                    }
                }
            });

            while (Count(acknowledged) < 2000)
            {
                Assert.False(writer.IsFaulted, writer.Exception?.ToString());
                await Task.Delay(20);
            }

            server.Kill();
            await Assert.ThrowsAnyAsync<Exception>(() => writer);
        }

        await using (var restarted = await MilvusServerProcess.StartAsync(_dataDir, port))
        {
            var query = await restarted.Client.QueryAsync(new QueryRequest
            {
                CollectionName = Collection,
                Expr = "id >= 0",
                OutputFields = { "id" },
                ConsistencyLevel = ConsistencyLevel.Strong,
            });
            Ok(query.Status);
            var ids = query.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data.ToList();
            Assert.Equal(ids.Count, ids.Distinct().Count());
            var present = ids.ToHashSet();
            var missing = acknowledged.Except(deleteSent).Where(id => !present.Contains(id)).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} acknowledged rows lost, e.g. {string.Join(", ", missing.Take(5))}");
            var resurrected = deleted.Where(present.Contains).ToList();
            Assert.True(resurrected.Count == 0, $"deleted rows came back: {string.Join(", ", resurrected.Take(5))}");
            Assert.All(ids, id => Assert.InRange(id, 0, Interlocked.Read(ref sent) - 1));

            Assert.Equal(ids.Count, await MilvusRpc.StrongCountAsync(restarted.Client, Collection));
        }
    }

    private static int Count(HashSet<long> set)
    {
        lock (set)
        {
            return set.Count;
        }
    }
}
