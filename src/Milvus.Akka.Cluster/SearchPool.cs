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

    /// <summary>Runs <paramref name="read"/> on the pool; its result, or a <see cref="MilvusFailure"/> for its exception, goes to <paramref name="replyTo"/>.</summary>
    public void Run<T>(Func<T> read, IActorRef replyTo) where T : notnull =>
        Run(read).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : (object)MilvusFailure.From(t.Exception!.GetBaseException()),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).PipeTo(replyTo);

    public Task<T> Run<T>(Func<T> read) =>
        Task.Factory.StartNew(read, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _scheduler);
}

public sealed class SearchPoolProvider : ExtensionIdProvider<SearchPool>
{
    public override SearchPool CreateExtension(ExtendedActorSystem system) =>
        new(system.Settings.Config.GetInt("milvus.search.parallelism", 0));
}
