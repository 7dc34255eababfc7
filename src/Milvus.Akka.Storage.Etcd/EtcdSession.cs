using Milvus.Akka.Common;

namespace Milvus.Akka.Storage.Etcd;

/// <summary>
/// A node's presence in etcd: a key bound to a lease that a background loop refreshes every third of its TTL.
/// <see cref="Lost"/> completes if etcd reports the lease gone (the node was presumed dead: it must re-register
/// and resync); disposing revokes the lease, which deletes the key immediately.
/// </summary>
public sealed class EtcdSession : IAsyncDisposable
{
    private readonly EtcdMetaStore _store;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _keepAlive;

    internal EtcdSession(EtcdMetaStore store, string key, long leaseId, TimeSpan ttl)
    {
        _store = store;
        Key = key;
        LeaseId = leaseId;
        _keepAlive = KeepAliveLoopAsync(ttl / 3, _stop.Token);
    }

    public string Key { get; }

    public long LeaseId { get; }

    /// <summary>Completes when the lease has expired on the server; never completes while the session is healthy.</summary>
    public Task Lost => _lost.Task;

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _keepAlive.ConfigureAwait(false);
        _stop.Dispose();
        if (!_lost.Task.IsCompleted)
        {
            await _store.RevokeLeaseAsync(LeaseId).ConfigureAwait(false);
        }
    }

    private async Task KeepAliveLoopAsync(TimeSpan interval, CancellationToken stop)
    {
        var failures = 0;
        try
        {
            while (true)
            {
                await Task.Delay(failures == 0 ? interval : _store.Backoff(failures), stop).ConfigureAwait(false);
                try
                {
                    if (await _store.KeepAliveOnceAsync(LeaseId, stop).ConfigureAwait(false) <= 0)
                    {
                        _lost.TrySetResult();
                        return;
                    }

                    failures = 0;
                }
                catch (Exception e) when (e is MilvusException || (e is OperationCanceledException && !stop.IsCancellationRequested))
                {
                    // etcd unreachable: keep trying; the server alone decides whether the lease outlived the outage.
                    failures++;
                }
            }
        }
        catch (Exception) when (stop.IsCancellationRequested)
        {
            // Ending the session cancels the request in flight, which gRPC reports as an RpcException (Cancelled).
        }
    }
}
