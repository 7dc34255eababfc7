using Milvus.Akka.Storage;

namespace Milvus.Akka.Coordinator.Tests;

/// <summary>
/// Meta storage in a dictionary, for tests of the coordinator without files. Writes to keys under a held prefix wait
/// until it is released, which stands for a slow meta-storage write.
/// </summary>
public sealed class InMemoryMetaStore : IMetaStore
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, MetaEntry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (TaskCompletionSource Released, TaskCompletionSource Reached)> _held = [];
    private long _revision;

    /// <summary>Makes every later write under <paramref name="prefix"/> wait until <see cref="Release"/>.</summary>
    public void Hold(string prefix)
    {
        lock (_gate)
        {
            _held[prefix] = (new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously),
                new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
    }

    /// <summary>Completes once a write under the held <paramref name="prefix"/> waits.</summary>
    public Task WriteWaitingAsync(string prefix)
    {
        lock (_gate)
        {
            return _held[prefix].Reached.Task;
        }
    }

    /// <summary>Lets the held writes under <paramref name="prefix"/> go on, or fail with <paramref name="failure"/>.</summary>
    public void Release(string prefix, Exception? failure = null)
    {
        lock (_gate)
        {
            if (_held.Remove(prefix, out var held))
            {
                if (failure is null)
                {
                    held.Released.TrySetResult();
                }
                else
                {
                    held.Released.TrySetException(failure);
                }
            }
        }
    }

    public Task<MetaEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_entries.GetValueOrDefault(key));
        }
    }

    public Task<IReadOnlyList<MetaEntry>> RangeAsync(string prefix, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<MetaEntry>>([.. _entries.Values.Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal))]);
        }
    }

    public async Task<long> PutAsync(string key, byte[] value, CancellationToken cancellationToken = default)
    {
        await WhileHeldAsync(key);
        lock (_gate)
        {
            _entries[key] = new MetaEntry(key, value, ++_revision);
            return _revision;
        }
    }

    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        await WhileHeldAsync(key);
        lock (_gate)
        {
            return _entries.Remove(key);
        }
    }

    public async Task<bool> CommitAsync(MetaTransaction transaction, CancellationToken cancellationToken = default)
    {
        foreach (var write in transaction.Writes)
        {
            await WhileHeldAsync(write.Key);
        }

        lock (_gate)
        {
            if (!transaction.Compares.All(c => (_entries.GetValueOrDefault(c.Key)?.Revision ?? 0) == c.Revision))
            {
                return false;
            }

            ++_revision;
            foreach (var write in transaction.Writes)
            {
                if (write.Value is null)
                {
                    _entries.Remove(write.Key);
                }
                else
                {
                    _entries[write.Key] = new MetaEntry(write.Key, write.Value, _revision);
                }
            }

            return true;
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private Task WhileHeldAsync(string key)
    {
        lock (_gate)
        {
            foreach (var (prefix, (released, reached)) in _held)
            {
                if (key.StartsWith(prefix, StringComparison.Ordinal))
                {
                    reached.TrySetResult();
                    return released.Task;
                }
            }

            return Task.CompletedTask;
        }
    }
}
