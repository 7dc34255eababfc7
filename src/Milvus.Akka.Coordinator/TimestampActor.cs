using Akka.Actor;
using Akka.Event;
using Milvus.Akka.Storage;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// The coordinator's timestamp oracle and id allocator: the only coordinator work on the write and Strong-read path.
/// It runs apart from the catalog, so it serves as soon as its own window is read after a fail-over, and a slow catalog
/// or segment write in meta storage never delays a timestamp. The catalog takes its timestamps and ids from here too,
/// and tells it each new catalog version, which rides along on every timestamp reply.
/// </summary>
public sealed class TimestampActor : ReceiveActor, IWithStash
{
    private readonly TimestampOracle _tso;
    private readonly IdAllocator _ids;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private ulong _catalogVersion;

    public TimestampActor(IMetaStore meta, CoordinatorSettings settings)
    {
        _tso = new TimestampOracle(meta, settings.TimestampWindow);
        _ids = new IdAllocator(meta, settings.IdBlockSize);
        ReceiveAsync<Initialize>(_ => InitializeAsync());
        ReceiveAny(_ => Stash.Stash());
    }

    public static Props Props(IMetaStore meta, CoordinatorSettings settings) =>
        global::Akka.Actor.Props.Create(() => new TimestampActor(meta, settings));

    public IStash Stash { get; set; } = null!;

    private sealed record Initialize : INoSerializationVerificationNeeded
    {
        public static readonly Initialize Instance = new();
    }

    protected override void PreStart() => Self.Tell(Initialize.Instance);

    private async Task InitializeAsync()
    {
        await _tso.InitializeAsync();
        await _ids.InitializeAsync();
        // Above everything a previous incarnation issued, so proxies drop metadata cached before the fail-over.
        _catalogVersion = await _tso.AllocateAsync(1);
        _log.Info("Timestamp oracle serving from {0}", _catalogVersion);
        Become(Ready);
        Stash.UnstashAll();
    }

    private void Ready()
    {
        ReceiveAsync<AllocateTimestamps>(m => RequestReplies.ReplyAsync(Sender,
            async () => new TimestampsAllocated(await _tso.AllocateAsync(m.Count), m.Count, _catalogVersion), _log, nameof(AllocateTimestamps)));
        ReceiveAsync<AllocateIds>(m => RequestReplies.ReplyAsync(Sender,
            async () => new IdsAllocated(await _ids.AllocateAsync(m.Count), m.Count), _log, nameof(AllocateIds)));
        Receive<CatalogVersionAdvanced>(m => _catalogVersion = Math.Max(_catalogVersion, m.Version));
    }
}

/// <summary>The catalog tells the oracle each new catalog version before it answers the change (local only).</summary>
public sealed record CatalogVersionAdvanced(ulong Version) : INoSerializationVerificationNeeded;
