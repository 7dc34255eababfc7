using Akka.Actor;
using Akka.Configuration;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Segments;
using Milvus.Akka.Storage;
using Milvus.Akka.TestSupport;
using Xunit;

namespace Milvus.Akka.Streaming.Tests;

/// <summary>
/// A shard starting after a fail-over reads its catalog from a coordinator singleton that may itself be moving: a lost
/// request is sent again after the attempt timeout instead of waiting out the whole ask timeout.
/// </summary>
public sealed class ShardEntityTests() : global::Akka.TestKit.Xunit2.TestKit(Hocon)
{
    private const string ShardName = "1_0";

    private static readonly Config Hocon = ConfigurationFactory.ParseString("""
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        akka.loglevel = WARNING
        """);

    private static readonly CollectionInfo Collection = CatalogFixtures.Collection(1, loaded: false);

    /// <summary>A coordinator that loses the first copy of each catalog request, as one dying with its node does.</summary>
    private sealed class ForgetfulCoordinator : ReceiveActor
    {
        private readonly HashSet<Type> _seen = [];

        public ForgetfulCoordinator()
        {
            Receive<DescribeCollectionById>(m => AnswerAfterFirst(m, () => new CollectionDescribed(Collection, 1)));
            Receive<GetShardDistribution>(m => AnswerAfterFirst(m, () => new ShardDistribution([], false)));
            Receive<AllocateIds>(m => Sender.Tell(new IdsAllocated(1_000, m.Count)));
        }

        private void AnswerAfterFirst(object request, Func<object> answer)
        {
            if (!_seen.Add(request.GetType()))
            {
                Sender.Tell(answer());
            }
        }
    }

    [Fact]
    public void A_catalog_request_lost_with_the_coordinator_is_sent_again_long_before_the_ask_timeout()
    {
        var objects = Directory.CreateTempSubdirectory("shard-entity-test").FullName;
        try
        {
            var coordinator = Sys.ActorOf(Props.Create(() => new ForgetfulCoordinator()));
            var settings = StreamingSettings.Default with { AskTimeout = TimeSpan.FromSeconds(60), CoordinatorAttemptTimeout = TimeSpan.FromMilliseconds(200) };
            var shard = Sys.ActorOf(ShardEntity.Props(ShardName, coordinator, new LocalObjectStore(objects), settings));

            shard.Tell(new QueryShard(ShardName, new QueryPlan(Collection.Id, null, [], [], ulong.MaxValue, null, CountOnly: true)));

            // Two lost requests cost two attempt timeouts; one whole ask timeout would be 60 s.
            Assert.Equal(0, ExpectMsg<QueryRows>(TimeSpan.FromSeconds(20)).Count);
        }
        finally
        {
            Directory.Delete(objects, recursive: true);
        }
    }
}
