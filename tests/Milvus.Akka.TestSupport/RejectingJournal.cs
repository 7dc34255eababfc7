using System.Collections.Immutable;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Milvus.Akka.Streaming;

namespace Milvus.Akka.TestSupport;

/// <summary>
/// The in-memory journal, except that it rejects every atomic write holding rows whose request id starts with
/// <see cref="RequestIdPrefix"/>, as a journal rejects a write it cannot store: a deterministic way to fail a write
/// between the shard's planning and its acknowledgement. Selected with <see cref="Hocon"/>.
/// </summary>
public sealed class RejectingJournal : MemoryJournal
{
    public const string RequestIdPrefix = "reject";

    public const string PluginId = "akka.persistence.journal.rejecting";

    public const string Hocon = $$"""
        {{PluginId}} {
          class = "Milvus.Akka.TestSupport.RejectingJournal, Milvus.Akka.TestSupport"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        """;

    protected override async Task<IImmutableList<Exception?>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var results = ImmutableList.CreateBuilder<Exception?>();
        foreach (var write in messages)
        {
            if (((IEnumerable<IPersistentRepresentation>)write.Payload).Any(p => p.Payload is RowsInserted i && i.RequestId.StartsWith(RequestIdPrefix, StringComparison.Ordinal)))
            {
                results.Add(new InvalidOperationException("rejected by the test journal"));
                continue;
            }

            results.Add((await base.WriteMessagesAsync([write], cancellationToken))?[0]);
        }

        return results.ToImmutable();
    }
}
