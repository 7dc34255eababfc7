using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Milvus.Akka.Cluster;
using Milvus.Akka.Storage;

namespace Milvus.Akka.Coordinator;

/// <summary>Performs the <see cref="Effect"/>s of a coordinator child's decisions: meta-storage writes first, sends after.</summary>
internal sealed class EffectPerformer(IMetaStore meta, IActorRef shardRegion, IActorRef mediator)
{
    /// <summary>The writes, in order; the caller takes the new state only once they all succeeded.</summary>
    public async Task PersistAsync(IEnumerable<Effect> effects)
    {
        foreach (var effect in effects)
        {
            switch (effect)
            {
                case PutMeta put:
                    await meta.PutAsync(put.Key, put.Value);
                    break;
                case DeleteMeta delete:
                    await meta.DeleteAsync(delete.Key);
                    break;
            }
        }
    }

    /// <summary>
    /// The confirmations, all at once: each command is asked of its shard again while unanswered (a shard moving to
    /// another node) until <paramref name="timeout"/>. Completed at once when there are none.
    /// </summary>
    public Task ConfirmAsync(IEnumerable<Effect> effects, TimeSpan timeout) =>
        Task.WhenAll(effects.OfType<ConfirmWithShard>().Select(confirm => shardRegion.AskInAttemptsAsync<Done>(confirm.Message, timeout,
            TimeSpan.FromSeconds(1), backOff: true, routeChanges: null, "the shard region")));

    /// <summary>The sends, in order, from the calling actor.</summary>
    public void Send(IEnumerable<Effect> effects)
    {
        foreach (var effect in effects)
        {
            switch (effect)
            {
                case Send send:
                    send.To.Tell(send.Message);
                    break;
                case SendToShards toShards:
                    shardRegion.Tell(toShards.Message);
                    break;
                case AnnounceWork:
                    mediator.Tell(new Publish(Topics.Work, WorkAvailable.Instance));
                    break;
            }
        }
    }
}
