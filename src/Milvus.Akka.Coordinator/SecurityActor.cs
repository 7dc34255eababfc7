using Akka.Actor;
using Akka.Event;
using Google.Protobuf;
using Milvus.Akka.Cluster;
using Milvus.Akka.Security;
using Milvus.Akka.Storage;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// Keeps the <see cref="RbacState"/> in meta storage (one record, so every change is atomic) and applies changes one at a
/// time: a change is written before memory changes or the reply goes out. Runs as a child of the coordinator singleton,
/// which turns each acknowledged change into a new catalog version, so proxies drop their copies of the state.
/// </summary>
public sealed class SecurityActor : ReceiveActor, IWithStash
{
    public const string MetaKey = "security/rbac";

    private readonly IMetaStore _meta;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private RbacState _state = null!;

    public SecurityActor(IMetaStore meta, SecuritySettings settings)
    {
        _meta = meta;
        ReceiveAsync<Load>(_ => LoadAsync(settings));
        ReceiveAny(_ => Stash.Stash());
    }

    public IStash Stash { get; set; } = null!;

    public static Props Props(IMetaStore meta, SecuritySettings settings) => global::Akka.Actor.Props.Create(() => new SecurityActor(meta, settings));

    protected override void PreStart() => Self.Tell(Load.Instance);

    private async Task LoadAsync(SecuritySettings settings)
    {
        var stored = await _meta.GetAsync(MetaKey);
        if (stored is null)
        {
            _state = RbacState.Initial(Passwords.Hash(settings.DefaultRootPassword));
            await _meta.PutAsync(MetaKey, RbacCodec.Encode(_state).ToByteArray());
        }
        else
        {
            _state = RbacCodec.Decode(ByteString.CopyFrom(stored.Value));
        }

        _log.Info("RBAC loaded: {0} users, {1} roles, {2} grants", _state.Users.Count, _state.Roles.Count, _state.Grants.Count);
        Become(Ready);
        Stash.UnstashAll();
    }

    private void Ready()
    {
        Receive<GetRbac>(_ => Sender.Tell(new RbacSnapshot(_state)));
        ReceiveAsync<IRbacChange>(async change =>
        {
            var sender = Sender;
            try
            {
                var next = _state.Apply(change);
                await _meta.PutAsync(MetaKey, RbacCodec.Encode(next).ToByteArray());
                _state = next;
                sender.Tell(Done.Instance);
            }
            catch (Exception e)
            {
                sender.Tell(MilvusFailure.From(e));
            }
        });
    }

    private sealed record Load : INoSerializationVerificationNeeded
    {
        public static readonly Load Instance = new();
    }
}
