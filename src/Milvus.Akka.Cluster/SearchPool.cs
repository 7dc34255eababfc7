using Akka.Actor;

namespace Milvus.Akka.Cluster;

/// <summary>
/// Where a node runs segment searches and retrievals: off the actor threads, at most <see cref="Parallelism"/> at once
/// (<c>milvus.search.parallelism</c>, 0 = one per core), shared by the shards and the query node of a process. An actor
/// takes its segments' views on its own thread, hands the work here and keeps taking messages (inserts, deletes).
/// </summary>
public sealed class SearchPool : IExtension
{
    private readonly TaskScheduler _scheduler;

    public SearchPool(int parallelism)
    {
        Parallelism = parallelism > 0 ? parallelism : Environment.ProcessorCount;
        _scheduler = new ConcurrentExclusiveSchedulerPair(TaskScheduler.Default, Parallelism).ConcurrentScheduler;
    }

    public int Parallelism { get; }

    public static SearchPool Get(ActorSystem system) => system.WithExtension<SearchPool, SearchPoolProvider>();

    /// <summary>
    /// Runs <paramref name="read"/> on the pool; its result, or a <see cref="MilvusFailure"/> for its exception, goes to
    /// <paramref name="replyTo"/> straight from the pool thread (no continuation or piping task per read).
    /// </summary>
    public void Run<T>(Func<T> read, IActorRef replyTo) where T : notnull =>
        Task.Factory.StartNew(() =>
        {
            object reply;
            try
            {
                reply = read();
            }
            catch (Exception e)
            {
                reply = MilvusFailure.From(e);
            }

            replyTo.Tell(reply);
        }, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _scheduler);

    public Task<T> Run<T>(Func<T> read) =>
        Task.Factory.StartNew(read, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _scheduler);
}

public sealed class SearchPoolProvider : ExtensionIdProvider<SearchPool>
{
    public override SearchPool CreateExtension(ExtendedActorSystem system) =>
        new(system.Settings.Config.GetInt("milvus.search.parallelism", 0));
}
