using Akka.Actor;
using Milvus.Akka.Common;

namespace Milvus.Akka.Cluster;

/// <summary>
/// Asking in attempts, for requests whose message can be lost with a node that died (a shard's node, the coordinator
/// singleton's node) and that are safe to send again.
/// </summary>
public static class AttemptedAsks
{
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Asks, and while no answer has come, asks again every <paramref name="attemptInterval"/> (doubled after each
    /// attempt with <paramref name="backOff"/>) until <paramref name="timeout"/> has passed; the first answer wins. A
    /// message lost with a dead node thus reaches the actor that took over, while earlier attempts stay open, so a merely
    /// slow actor still answers the first one. A retriable failure (no answer in time, an actor or node not ready yet)
    /// is asked again after a short pause. A <paramref name="routeChanges"/> signal (a member left the cluster) starts the
    /// next attempt at once. <paramref name="via"/> names the route in the error after the last attempt. With
    /// <paramref name="laterTarget"/>, <paramref name="target"/> is a direct route to an actor in this process that
    /// answers itself (asked with <see cref="AskExtensions.AskForInline{T}"/>), and attempts after the first take the general route.
    /// </summary>
    public static async Task<T> AskInAttemptsAsync<T>(this ICanTell target, object message, TimeSpan timeout, TimeSpan attemptInterval,
        bool backOff, RouteChanges? routeChanges, string via, CancellationToken cancellationToken = default, ICanTell? laterTarget = null)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        // Nearly every request is answered by its first attempt in time: that path costs one ask and one timer, with no
        // linked tokens, delays or task lists (it runs once per shard of every search).
        Task<T>? first = laterTarget is not null && target is IActorRef direct
            ? direct.AskForInline<T>(message, timeout, cancellationToken)
            : target.AskFor<T>(message, timeout, cancellationToken);
        // The ask itself ends with the caller's token, so the wait can end on a route change instead.
        var rerouted = routeChanges?.Next ?? CancellationToken.None;
        try
        {
            return await first.WaitAsync(attemptInterval, rerouted);
        }
        catch (TimeoutException)
        {
            // No answer yet: the first attempt stays open while the next ones go out.
        }
        catch (OperationCanceledException) when (rerouted.IsCancellationRequested && !first.IsCompleted)
        {
            // A member left: the next attempt goes out now, the first one stays open.
        }
        catch (MilvusException e) when (IsRetriable(e) && DateTimeOffset.UtcNow + RetryPause < deadline)
        {
            await Task.Delay(RetryPause, cancellationToken);
            first = null;
        }

        return await AskAgainAsync(laterTarget ?? target, message, first, deadline, timeout, attemptInterval, backOff, routeChanges, via, cancellationToken);
    }

    private static async Task<T> AskAgainAsync<T>(ICanTell target, object message, Task<T>? firstAttempt, DateTimeOffset deadline,
        TimeSpan timeout, TimeSpan attemptInterval, bool backOff, RouteChanges? routeChanges, string via, CancellationToken cancellationToken)
    {
        var interval = attemptInterval;
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var open = new List<Task<T>>();
        if (firstAttempt is not null)
        {
            open.Add(firstAttempt);
            if (backOff)
            {
                interval *= 2;
            }
        }

        for (var attempt = open.Count + 1; ; attempt++)
        {
            var remaining = deadline - DateTimeOffset.UtcNow;
            open.Add(target.AskFor<T>(message, remaining, abandon.Token));
            using var nextAttempt = CancellationTokenSource.CreateLinkedTokenSource(abandon.Token, routeChanges?.Next ?? CancellationToken.None);
            // The last attempt (its timeout is the deadline) only waits for the open ones to answer or time out.
            var wait = Task.Delay(interval < remaining ? interval : Timeout.InfiniteTimeSpan, nextAttempt.Token);
            while (true)
            {
                var done = await Task.WhenAny(new List<Task>(open) { wait });
                if (done == wait)
                {
                    break;
                }

                var answered = (Task<T>)done;
                open.Remove(answered);
                try
                {
                    var reply = await answered;
                    await abandon.CancelAsync();
                    return reply;
                }
                catch (MilvusException e) when (IsRetriable(e) && DateTimeOffset.UtcNow + RetryPause < deadline)
                {
                    if (open.Count == 0)
                    {
                        await Task.Delay(RetryPause, abandon.Token);
                        break;
                    }
                }
                catch (MilvusException e) when (IsRetriable(e))
                {
                    await abandon.CancelAsync();
                    throw new MilvusException(e.Code, $"{message.GetType().Name} was not answered within {timeout.TotalSeconds:0.#} s "
                        + $"({attempt} attempts {via}; last: {e.Message})", e);
                }
                catch
                {
                    await abandon.CancelAsync();
                    throw;
                }
            }

            await nextAttempt.CancelAsync();
            if (backOff)
            {
                interval *= 2;
            }
        }
    }

    /// <summary>Failures a later attempt can overcome: no answer in time, or an actor or node not ready yet.</summary>
    private static bool IsRetriable(MilvusException e) => e.Code is ErrorCode.ServiceUnavailable or ErrorCode.ServiceNotReady;
}
