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
            throw NotAnswered(message, timeout, e);
        }

        return Expect<T>(reply, message);
    }

    /// <summary>
    /// <see cref="AskFor{T}"/> for a target in this process that answers itself (not by forwarding to another node): its
    /// reply completes the returned task on the thread that sends it, so the caller continues there instead of waking
    /// a pool thread (Akka's ask completes asynchronously; on a read path every such hop costs a thread wake). A
    /// target elsewhere is asked as usual.
    /// </summary>
    public static async Task<T> AskForInline<T>(this IActorRef target, object message, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (target is not IInternalActorRef { IsLocal: true } local)
        {
            return await target.AskFor<T>(message, timeout, cancellationToken).ConfigureAwait(false);
        }

        var reply = new InlineReply(local.Provider);
        target.Tell(message, reply);
        object answer;
        try
        {
            answer = await reply.Answer.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            reply.Abandon();
            throw NotAnswered(message, timeout, e);
        }
        catch (OperationCanceledException)
        {
            reply.Abandon();
            throw;
        }

        return Expect<T>(answer, message);
    }

    private static MilvusException NotAnswered(object message, TimeSpan timeout, Exception cause) =>
        new(ErrorCode.ServiceUnavailable, $"{message.GetType().Name} was not answered within {timeout.TotalSeconds:0.#} s", cause);

    private static T Expect<T>(object reply, object message) =>
        reply switch
        {
            T expected => expected,
            MilvusFailure failure => throw failure.ToException(),
            Status.Failure f => throw new MilvusException(ErrorCode.ServiceInternal, f.Cause.Message, f.Cause),
            _ => throw new MilvusException(ErrorCode.ServiceInternal, $"unexpected reply {reply.GetType().Name} to {message.GetType().Name}"),
        };
}

/// <summary>
/// The reply target of <see cref="AskExtensions.AskForInline{T}"/>: a temporary actor (resolvable like an ask's) whose
/// first message completes <see cref="Answer"/> synchronously, running the asker's continuation on the sender's thread.
/// </summary>
internal sealed class InlineReply : MinimalActorRef
{
    private readonly TaskCompletionSource<object> _answer = new();
    private int _done;

    public InlineReply(IActorRefProvider provider)
    {
        Provider = provider;
        Path = provider.TempPath();
        provider.RegisterTempActor(this, Path);
    }

    public override ActorPath Path { get; }

    public override IActorRefProvider Provider { get; }

    public Task<object> Answer => _answer.Task;

    protected override void TellInternal(object message, IActorRef sender)
    {
        if (message is not global::Akka.Dispatch.SysMsg.ISystemMessage && Finish())
        {
            _answer.SetResult(message);
        }
    }

    /// <summary>No answer is awaited any more (timed out or cancelled): a late one goes to dead letters.</summary>
    public void Abandon() => Finish();

    private bool Finish()
    {
        if (Interlocked.Exchange(ref _done, 1) != 0)
        {
            return false;
        }

        Provider.UnregisterTempActor(Path);
        return true;
    }
}
