using Akka.Actor;
using Milvus.Akka.Cluster;
using Milvus.Akka.Security;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// Users, roles and grants live in their own child actor of the catalog (<see cref="SecurityActor"/>). An acknowledged change takes a new
/// catalog version, so proxies drop the RBAC state they checked requests against together with their cached collections:
/// one invalidation path for all metadata.
/// </summary>
public sealed partial class CatalogActor
{
    private static readonly TimeSpan SecurityChangeTimeout = TimeSpan.FromSeconds(30);

    private void ReadySecurity()
    {
        var security = Context.ActorOf(SecurityActor.Props(_meta, SecuritySettings.From(Context.System.Settings.Config)), "security");
        Receive<GetRbac>(m => security.Forward(m));
        ReceiveAsync<IRbacChange>(change => RequestReplies.ReplyAsync(Sender, async () =>
        {
            await security.AskFor<Done>(change, SecurityChangeTimeout);
            return await AnswerAsync(_state.Advanced(await NextTimestampAsync()));
        }, _log, nameof(IRbacChange)));
    }
}
