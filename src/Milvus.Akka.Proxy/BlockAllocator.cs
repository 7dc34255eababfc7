using System.Numerics;

namespace Milvus.Akka.Proxy;

/// <summary>
/// Hands out consecutive values (row ids, write timestamps) from a block reserved at the coordinator, so most callers
/// need no round trip (Milvus's proxies cache id blocks the same way). The coordinator never issues a value twice and
/// only ever issues larger ones, across fail-overs too (its allocators persist ahead in meta storage), so values taken
/// here are unique and grow; callers that run out of the block at once share one refill. A request larger than a
/// block is reserved on its own. Thread-safe.
/// </summary>
public sealed class BlockAllocator<T>(Func<int, Task<T>> reserve, int blockSize) where T : IBinaryInteger<T>
{
    private readonly Lock _gate = new();
    private T _next = T.Zero;
    private T _end = T.Zero;
    private Task? _refill;

    /// <summary>Reserves <paramref name="count"/> consecutive values and returns the first.</summary>
    public async Task<T> TakeAsync(int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (count > blockSize)
        {
            return await reserve(count).WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        var wanted = T.CreateChecked(count);
        while (true)
        {
            Task refill;
            lock (_gate)
            {
                if (_end - _next >= wanted)
                {
                    var first = _next;
                    _next += wanted;
                    return first;
                }

                // The rest of a block too small for this request is skipped: values need only be unique.
                refill = _refill ??= RefillAsync();
            }

            try
            {
                await refill.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                lock (_gate)
                {
                    if (ReferenceEquals(_refill, refill) && refill.IsCompleted)
                    {
                        _refill = null;
                    }
                }
            }
        }
    }

    private async Task RefillAsync()
    {
        // Not cancelled by whoever started it: other callers wait for the same block.
        var first = await reserve(blockSize).ConfigureAwait(false);
        lock (_gate)
        {
            _next = first;
            _end = first + T.CreateChecked(blockSize);
        }
    }
}
