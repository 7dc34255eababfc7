using Akka.Actor;
using Akka.TestKit.Xunit2;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;

namespace Milvus.Akka.Query.Tests;

/// <summary>
/// The read path's direct asks (<see cref="AskExtensions.AskForInline{T}"/>, <see cref="LocalShards"/>): the asker
/// continues on the replying thread, failures and silence read as with an ordinary ask, and a direct route that died
/// gives way to the general one.
/// </summary>
public sealed class InlineAskSpec : TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public InlineAskSpec()
        : base("akka.loglevel = WARNING")
    {
    }

    /// <summary>Replies with what it was told to; to "thread", once told "go", with the thread it replied on.</summary>
    private sealed class Replier : ReceiveActor
    {
        private IActorRef _asker = ActorRefs.Nobody;

        public Replier()
        {
            Receive<string>(m => m == "thread", _ => _asker = Sender);
            Receive<string>(m => m == "go", _ => _asker.Tell(Environment.CurrentManagedThreadId));
            Receive<string>(m => m == "fail", _ => Sender.Tell(new MilvusFailure(ErrorCode.SegmentNotLoaded, "segment 7 is not here")));
            Receive<string>(m => m == "silent", _ => { });
            Receive<string>(m => Sender.Tell(m + " answered"));
        }
    }

    private IActorRef NewReplier() => Sys.ActorOf(Props.Create(() => new Replier()));

    [Fact]
    public async Task The_asker_continues_on_the_thread_that_replied()
    {
        var replier = NewReplier();
        for (var i = 0; i < 20; i++)
        {
            // ExecuteSynchronously: the continuation runs where the ask's task completed, which is the point under test.
            // The reply is released only once the asker waits for it, so it cannot complete on the asking thread.
            var continued = replier.AskForInline<int>("thread", Timeout)
                .ContinueWith(t => (RepliedOn: t.Result, ContinuedOn: Environment.CurrentManagedThreadId), TaskContinuationOptions.ExecuteSynchronously);
            replier.Tell("go");
            var (repliedOn, continuedOn) = await continued;
            Assert.Equal(repliedOn, continuedOn);
        }
    }

    [Fact]
    public async Task A_failure_reply_is_its_milvus_error_and_silence_is_service_unavailable()
    {
        var replier = NewReplier();
        var failed = await Assert.ThrowsAsync<MilvusException>(() => replier.AskForInline<string>("fail", Timeout));
        Assert.Equal(ErrorCode.SegmentNotLoaded, failed.Code);

        var silent = await Assert.ThrowsAsync<MilvusException>(() => replier.AskForInline<string>("silent", TimeSpan.FromMilliseconds(200)));
        Assert.Equal(ErrorCode.ServiceUnavailable, silent.Code);
        Assert.Equal("again answered", await replier.AskForInline<string>("again", Timeout));
    }

    [Fact]
    public async Task A_direct_route_to_a_stopped_actor_gives_way_to_the_later_route()
    {
        var stopped = NewReplier();
        Watch(stopped);
        Sys.Stop(stopped);
        ExpectTerminated(stopped);
        var general = NewReplier();

        var answer = await stopped.AskInAttemptsAsync<string>("read", Timeout, TimeSpan.FromMilliseconds(200), backOff: true, routeChanges: null,
            "in the test", laterTarget: general);

        Assert.Equal("read answered", answer);
    }

    private sealed record ShardRead(string ShardName) : IShardCommand;

    [Fact]
    public void Local_shards_are_found_by_the_shard_a_message_names_and_removed_only_by_their_own_actor()
    {
        var shards = LocalShards.Get(Sys);
        var first = NewReplier();
        var successor = NewReplier();
        shards.Add("c1-shard-0", first);
        Assert.Equal(first, shards.Find(new ShardRead("c1-shard-0")));
        Assert.Null(shards.Find(new ShardRead("c1-shard-1")));
        Assert.Null(shards.Find("not a shard command"));

        shards.Add("c1-shard-0", successor);
        // The stopping predecessor must not remove the successor that took its place.
        shards.Remove("c1-shard-0", first);
        Assert.Equal(successor, shards.Find(new ShardRead("c1-shard-0")));
        shards.Remove("c1-shard-0", successor);
        Assert.Null(shards.Find(new ShardRead("c1-shard-0")));
    }
}
