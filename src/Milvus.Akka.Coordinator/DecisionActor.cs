using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Milvus.Akka.Storage;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// A coordinator child thin over one pure state: each request's decision is persisted before the actor takes the new
/// state, and the decision's reply goes to the request's sender. It stashes requests until it has recovered its state.
/// </summary>
public abstract class DecisionActor<TState> : ReceiveActor, IWithStash where TState : class
{
    private readonly EffectPerformer _effects;

    protected DecisionActor(IMetaStore meta) =>
        _effects = new EffectPerformer(meta, ActorRefs.Nobody, DistributedPubSub.Get(Context.System).Mediator);

    public IStash Stash { get; set; } = null!;

    protected ILoggingAdapter Log { get; } = Context.GetLogger();

    protected TState State { get; private set; } = null!;

    /// <summary>Answers every <typeparamref name="T"/> with what <paramref name="handler"/> returns, or with the failure it throws.</summary>
    protected void Reply<T>(Func<T, Task<object?>> handler) =>
        ReceiveAsync<T>(message => RequestReplies.ReplyAsync(Sender, () => handler(message), Log, typeof(T).Name));

    /// <summary>Persists, takes the new state, and returns the decision's reply (the caller's sender gets it).</summary>
    protected async Task<object?> ApplyAsync(Decision<TState> decision)
    {
        await _effects.PersistAsync(decision.Effects);
        State = decision.State;
        return decision.Effects.OfType<Reply>().SingleOrDefault()?.Message;
    }

    /// <summary>Once the state is recovered: answers with <paramref name="ready"/>'s handlers, the stashed requests first.</summary>
    protected void StartAnswering(Action ready)
    {
        Become(ready);
        Stash.UnstashAll();
    }
}
