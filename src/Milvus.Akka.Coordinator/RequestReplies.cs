using Akka.Actor;
using Akka.Event;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;

namespace Milvus.Akka.Coordinator;

/// <summary>How the coordinator's actors answer a request: with its result, or with a <see cref="MilvusFailure"/> naming the problem.</summary>
internal static class RequestReplies
{
    /// <summary>
    /// Runs <paramref name="handler"/> and tells <paramref name="sender"/> its result (none when it is null: the handler
    /// arranged a later answer). A failure is answered too, and one that is not a <see cref="MilvusException"/> (a bug,
    /// not bad input) is also logged with its stack.
    /// </summary>
    public static async Task ReplyAsync(IActorRef sender, Func<Task<object?>> handler, ILoggingAdapter log, string request)
    {
        try
        {
            if (await handler() is { } reply)
            {
                sender.Tell(reply);
            }
        }
        catch (Exception e)
        {
            Fail(sender, e, log, request);
        }
    }

    /// <summary>Answers <paramref name="sender"/> with a failure; one that is not a <see cref="MilvusException"/> is also logged with its stack.</summary>
    public static void Fail(IActorRef sender, Exception error, ILoggingAdapter log, string request)
    {
        if (error is not MilvusException)
        {
            log.Error(error, "Coordinator failed on {0}", request);
        }

        sender.Tell(MilvusFailure.From(error));
    }
}
