namespace Milvus.Akka.Proxy;

/// <summary>
/// Fresh timestamps for Strong reads (and the rpcs that hand a timestamp to clients), with at most one oracle round trip
/// in flight per proxy: callers that arrive while one is under way wait for the next, which then serves all of them
/// (Milvus's proxy batches TSO requests the same way).
/// </summary>
/// <remarks>
/// Guarantee: the timestamp a caller gets was issued by the oracle after the caller asked for it, so it is above every
/// timestamp the oracle had issued before, by any proxy; a caller never gets a timestamp from a round trip that started
/// before it asked, nor one cached from a block. Every write acknowledged before the caller asked carries a timestamp
/// the oracle had issued (raised by its shard at most within the oracle's headroom, see
/// <see cref="Coordinator.TimestampOracle"/>), so a read at the returned timestamp sees it. Thread-safe.
/// </remarks>
public sealed class TimestampBatcher(Func<int, Task<ulong>> allocate)
{
    private readonly Lock _gate = new();
    private List<TaskCompletionSource<ulong>>? _waiting;
    private bool _inFlight;

    /// <summary>A timestamp unique to this caller, issued after the call began.</summary>
    public Task<ulong> NextAsync(CancellationToken cancellationToken = default)
    {
        var waiter = new TaskCompletionSource<ulong>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool start;
        lock (_gate)
        {
            (_waiting ??= []).Add(waiter);
            start = !_inFlight;
            _inFlight = true;
        }

        if (start)
        {
            _ = RunAsync();
        }

        return waiter.Task.WaitAsync(cancellationToken);
    }

    private async Task RunAsync()
    {
        while (true)
        {
            List<TaskCompletionSource<ulong>> batch;
            lock (_gate)
            {
                if (_waiting is null)
                {
                    _inFlight = false;
                    return;
                }

                batch = _waiting;
                _waiting = null;
            }

            try
            {
                var first = await allocate(batch.Count).ConfigureAwait(false);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].TrySetResult(first + (ulong)i);
                }
            }
            catch (Exception e)
            {
                foreach (var waiter in batch)
                {
                    waiter.TrySetException(e);
                }
            }
        }
    }
}
