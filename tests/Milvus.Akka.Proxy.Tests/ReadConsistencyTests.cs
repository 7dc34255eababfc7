using Milvus.Akka.Common;

namespace Milvus.Akka.Proxy.Tests;

public sealed class ReadConsistencyTests
{
    private static readonly TimeSpan Graceful = TimeSpan.FromSeconds(5);
    private static readonly ulong Now = HybridTimestamp.Compose(1_700_000_000_000, 42);
    private const ulong ClientWrite = 123_456_789;

    [Fact]
    public void Strong_guarantees_and_reads_at_the_fresh_timestamp()
    {
        Assert.True(ReadConsistency.NeedsFreshTimestamp(ConsistencyLevel.Strong, 0, iterator: false));
        Assert.Equal(new ReadTimestamps(Now, Now), ReadConsistency.Resolve(ConsistencyLevel.Strong, ClientWrite, false, Now, Graceful));
    }

    [Fact]
    public void Bounded_guarantees_the_graceful_time_before_now_and_reads_the_newest_data()
    {
        Assert.False(ReadConsistency.NeedsFreshTimestamp(ConsistencyLevel.Bounded, 0, iterator: false));
        var read = ReadConsistency.Resolve(ConsistencyLevel.Bounded, ClientWrite, false, Now, Graceful);
        Assert.Equal(HybridTimestamp.Physical(Now) - 5_000, HybridTimestamp.Physical(read.Guarantee));
        Assert.Equal(ulong.MaxValue, read.ReadTimestamp);
    }

    [Fact]
    public void Session_guarantees_the_clients_timestamp_and_eventually_guarantees_nothing()
    {
        Assert.False(ReadConsistency.NeedsFreshTimestamp(ConsistencyLevel.Session, ClientWrite, iterator: false));
        Assert.Equal(new ReadTimestamps(ClientWrite, ulong.MaxValue), ReadConsistency.Resolve(ConsistencyLevel.Session, ClientWrite, false, Now, Graceful));
        Assert.Equal(new ReadTimestamps(0, ulong.MaxValue), ReadConsistency.Resolve(ConsistencyLevel.Session, 0, false, Now, Graceful));
        Assert.Equal(new ReadTimestamps(1, ulong.MaxValue), ReadConsistency.Resolve(ConsistencyLevel.Eventually, ClientWrite, false, Now, Graceful));
    }

    [Fact]
    public void Customized_keeps_the_legacy_sentinels()
    {
        Assert.True(ReadConsistency.NeedsFreshTimestamp(ConsistencyLevel.Customized, 0, iterator: false));
        Assert.Equal(new ReadTimestamps(Now, Now), ReadConsistency.Resolve(ConsistencyLevel.Customized, 0, false, Now, Graceful));
        Assert.Equal(ReadConsistency.Resolve(ConsistencyLevel.Bounded, 0, false, Now, Graceful),
            ReadConsistency.Resolve(ConsistencyLevel.Customized, 2, false, Now, Graceful));
        Assert.Equal(new ReadTimestamps(ClientWrite, ulong.MaxValue), ReadConsistency.Resolve(ConsistencyLevel.Customized, ClientWrite, false, Now, Graceful));
    }

    [Theory]
    [InlineData(ConsistencyLevel.Strong)]
    [InlineData(ConsistencyLevel.Bounded)]
    [InlineData(ConsistencyLevel.Eventually)]
    public void An_iterator_reads_its_first_page_at_a_fresh_timestamp_and_later_pages_at_the_first_pages_session_timestamp(ConsistencyLevel level)
    {
        Assert.True(ReadConsistency.NeedsFreshTimestamp(level, 0, iterator: true));
        var first = ReadConsistency.Resolve(level, 0, true, Now, Graceful);
        Assert.Equal(new ReadTimestamps(Now, Now), first);
        var session = ReadConsistency.SessionTimestamp(first, Now + 1_000);
        Assert.Equal(Now, session);

        Assert.False(ReadConsistency.NeedsFreshTimestamp(level, session, iterator: true));
        Assert.Equal(new ReadTimestamps(session, session), ReadConsistency.Resolve(level, session, true, Now + 5_000, Graceful));
    }

    [Fact]
    public void A_read_of_the_newest_data_reports_at_least_its_guarantee_as_session_timestamp()
    {
        Assert.Equal(Now, ReadConsistency.SessionTimestamp(new ReadTimestamps(1, ulong.MaxValue), Now));
        Assert.Equal(Now + 7, ReadConsistency.SessionTimestamp(new ReadTimestamps(Now + 7, ulong.MaxValue), Now));
    }
}
