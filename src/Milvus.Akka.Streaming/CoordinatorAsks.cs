using Akka.Actor;
using Milvus.Akka.Cluster;

namespace Milvus.Akka.Streaming;

/// <summary>A shard's repeatable requests to the coordinator singleton, which may be moving to another node.</summary>
internal static class CoordinatorAsks
{
    /// <summary>
    /// Asks, and asks again while unanswered (<see cref="StreamingSettings.CoordinatorAttemptTimeout"/>, doubling, until
    /// <see cref="StreamingSettings.AskTimeout"/>): only for requests that are safe to repeat.
    /// </summary>
    public static Task<T> AskRepeatableAsync<T>(this IActorRef coordinator, object message, StreamingSettings settings, RouteChanges routeChanges) =>
        coordinator.AskInAttemptsAsync<T>(message, settings.AskTimeout, settings.CoordinatorAttemptTimeout, backOff: true, routeChanges, "the coordinator");
}
