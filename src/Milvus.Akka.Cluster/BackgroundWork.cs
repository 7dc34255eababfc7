using Akka.Actor;
using Akka.Event;

namespace Milvus.Akka.Cluster;

/// <summary>
/// Work an actor runs off its own thread (object storage, asks to other actors) whose outcome comes back to it as a
/// message. A failure is logged once, at Warning, with what was being done and the whole exception (type, message,
/// inner exceptions, stack), and the actor receives the failure message built from that same exception.
/// </summary>
public static class BackgroundWork
{
    /// <param name="self">The actor that receives the outcome.</param>
    /// <param name="log">The actor's log.</param>
    /// <param name="what">What the work does, for the log ("flushing segment 7 of shard 42_0").</param>
    /// <param name="work">The work; its result is the message the actor receives.</param>
    /// <param name="failed">The message the actor receives instead when the work throws.</param>
    public static void Run(IActorRef self, ILoggingAdapter log, string what, Func<Task<object>> work, Func<Exception, object> failed) =>
        Task.Run(async () =>
        {
            try
            {
                return await work().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                log.Warning(e, "{0} failed", what);
                return failed(e);
            }
        }).PipeTo(self);
}
