using Akka.Actor;
using Milvus.Akka.Common;

namespace Milvus.Akka.Cluster;

/// <summary>The reply to a request that failed, carrying the Milvus status code; exceptions never cross nodes.</summary>
public sealed record MilvusFailure(ErrorCode Code, string Reason)
{
    public MilvusException ToException() => new(Code, Reason);

    public static MilvusFailure From(Exception exception) => exception switch
    {
        MilvusException milvus => new MilvusFailure(milvus.Code, milvus.Message),
        AskTimeoutException => new MilvusFailure(ErrorCode.ServiceUnavailable, $"a node did not answer in time: {exception.Message}"),
        _ => new MilvusFailure(ErrorCode.ServiceInternal, exception.Message),
    };
}

/// <summary>Success reply of a command that returns nothing.</summary>
public sealed record Done
{
    public static readonly Done Instance = new();
}

public static class AskExtensions
{
    /// <summary>
    /// Asks and expects <typeparamref name="T"/>: a <see cref="MilvusFailure"/> reply becomes its MilvusException and
    /// a timeout becomes ServiceUnavailable, so callers see one kind of error.
    /// </summary>
    public static async Task<T> AskFor<T>(this ICanTell target, object message, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        object reply;
        try
        {
            reply = await target.Ask<object>(message, timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (AskTimeoutException e)
        {
            throw new MilvusException(ErrorCode.ServiceUnavailable, $"{message.GetType().Name} was not answered within {timeout.TotalSeconds:0.#} s", e);
        }

        return reply switch
        {
            T expected => expected,
            MilvusFailure failure => throw failure.ToException(),
            Status.Failure f => throw new MilvusException(ErrorCode.ServiceInternal, f.Cause.Message, f.Cause),
            _ => throw new MilvusException(ErrorCode.ServiceInternal, $"unexpected reply {reply.GetType().Name} to {message.GetType().Name}"),
        };
    }
}
