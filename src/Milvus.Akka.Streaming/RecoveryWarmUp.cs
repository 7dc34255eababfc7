using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace Milvus.Akka.Streaming;

/// <summary>
/// Readies this node's journal and snapshot store before a shard needs them. Both plugins start on first use, and their
/// first read pays for the object-store and broker clients (connections, credentials, metadata, JIT): measured at
/// 1.5-1.7 s for a first snapshot load on a 2-core machine, against 5-20 ms afterwards. A shard that moves here in a
/// fail-over would pay it inside the outage, so a streaming node reads a persistence id nobody writes once at start-up.
/// </summary>
public static class RecoveryWarmUp
{
    private const string PersistenceId = "warm-up";

    public static async Task RunAsync(ActorSystem system, StreamingSettings settings)
    {
        var log = Logging.GetLogger(system, typeof(RecoveryWarmUp));
        try
        {
            var persistence = Persistence.Instance.Apply(system);
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            await persistence.SnapshotStoreFor(settings.SnapshotPluginId)
                .Ask<LoadSnapshotResult>(new LoadSnapshot(PersistenceId, SnapshotSelectionCriteria.Latest, long.MaxValue), settings.AskTimeout);
            // max = 0: the journal only reads the highest sequence number and answers RecoverySuccess to the reply-to.
            await persistence.JournalFor(settings.JournalPluginId)
                .Ask<RecoverySuccess>(replyTo => new ReplayMessages(0, long.MaxValue, 0, PersistenceId, replyTo), settings.AskTimeout, CancellationToken.None);
            log.Info("Journal and snapshot store ready for recoveries in {0:0} ms", System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception e)
        {
            // Only a warm-up: a shard's own recovery reports any real problem with the plugins.
            log.Warning(e, "Warming up the journal and snapshot store failed");
        }
    }
}
