using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Milvus.Akka.Common;
using Mvccpb;

namespace Milvus.Akka.Storage.Etcd;

/// <summary>
/// Meta storage on etcd (layout in this project's README.md). A key's <see cref="MetaEntry.Revision"/> is its etcd
/// ModRevision, <see cref="CommitAsync"/> is one etcd transaction, and every key lives under
/// <see cref="EtcdMetaStoreOptions.RootPath"/>. Beyond <see cref="IMetaStore"/> it offers what only etcd has:
/// prefix watches (proxies invalidate their metadata caches) and leases (node sessions that vanish with the node).
/// Requests that found no live server are retried with backoff, so a restarting etcd only delays callers.
/// </summary>
public sealed class EtcdMetaStore : IMetaStore
{
    private readonly EtcdClient _client;
    private readonly EtcdMetaStoreOptions _options;
    private readonly ByteString _root;

    public EtcdMetaStore(EtcdMetaStoreOptions options)
    {
        options.Validate();
        _options = options;
        _root = ByteString.CopyFromUtf8(options.RootPath + "/");
        void Channel(Grpc.Net.Client.GrpcChannelOptions channel)
        {
            if (!options.Endpoints.Contains("https://", StringComparison.OrdinalIgnoreCase))
            {
                channel.Credentials = ChannelCredentials.Insecure;
            }

            // A page of a prefix range holds up to RangePageSize values of up to etcd's 1.5 MiB each.
            channel.MaxReceiveMessageSize = null;
        }

        _client = options.Username is null
            ? new EtcdClient(options.Endpoints, configureChannelOptions: Channel)
            : new EtcdClient(options.Endpoints, options.Username, options.Password, configureChannelOptions: Channel);
    }

    public EtcdMetaStoreOptions Options => _options;

    public async Task<MetaEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var request = new RangeRequest { Key = FullKey(key) };
        var response = await CallAsync("get", key, idempotent: true,
            (deadline, ct) => _client.GetAsync(request, null, deadline, ct), cancellationToken).ConfigureAwait(false);
        return response.Kvs.Count == 0 ? null : ToEntry(response.Kvs[0]);
    }

    public async Task<IReadOnlyList<MetaEntry>> RangeAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var start = FullKey(prefix);
        var end = RangeEnd(start);
        var result = new List<MetaEntry>();
        long revision = 0;
        while (true)
        {
            // Every page reads at the first page's revision: one consistent snapshot however many pages it takes.
            var request = new RangeRequest { Key = start, RangeEnd = end, Limit = _options.RangePageSize, Revision = revision };
            var response = await CallAsync("range", prefix, idempotent: true,
                (deadline, ct) => _client.GetAsync(request, null, deadline, ct), cancellationToken).ConfigureAwait(false);
            revision = response.Header.Revision;
            foreach (var kv in response.Kvs)
            {
                result.Add(ToEntry(kv));
            }

            if (!response.More || response.Kvs.Count == 0)
            {
                return result;
            }

            // The next page starts right after the last key: the key followed by a zero byte.
            start = ByteString.CopyFrom([.. response.Kvs[^1].Key.Span, 0]);
        }
    }

    public async Task<long> PutAsync(string key, byte[] value, CancellationToken cancellationToken = default)
    {
        var request = new PutRequest { Key = FullKey(key), Value = ByteString.CopyFrom(value) };
        var response = await CallAsync("put", key, idempotent: false,
            (deadline, ct) => _client.PutAsync(request, null, deadline, ct), cancellationToken).ConfigureAwait(false);
        return response.Header.Revision;
    }

    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var request = new DeleteRangeRequest { Key = FullKey(key) };
        var response = await CallAsync("delete", key, idempotent: false,
            (deadline, ct) => _client.DeleteAsync(request, null, deadline, ct), cancellationToken).ConfigureAwait(false);
        return response.Deleted > 0;
    }

    public async Task<bool> CommitAsync(MetaTransaction transaction, CancellationToken cancellationToken = default)
    {
        var request = new TxnRequest();
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var write in transaction.Writes)
        {
            if (!written.Add(write.Key))
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"meta transaction writes key '{write.Key}' more than once");
            }

            request.Success.Add(write.Value is { } value
                ? new RequestOp { RequestPut = new PutRequest { Key = FullKey(write.Key), Value = ByteString.CopyFrom(value) } }
                : new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = FullKey(write.Key) } });
        }

        foreach (var compare in transaction.Compares)
        {
            // Revision 0 means "absent": an absent key has CreateRevision 0 in etcd's comparisons.
            request.Compare.Add(compare.Revision == 0
                ? new Compare { Key = FullKey(compare.Key), Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 }
                : new Compare { Key = FullKey(compare.Key), Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = compare.Revision });
        }

        var subject = transaction.Writes.Count > 0 ? transaction.Writes[0].Key : transaction.Compares.FirstOrDefault()?.Key ?? "";
        var response = await CallAsync("transaction", subject, idempotent: false,
            (deadline, ct) => _client.TransactionAsync(request, null, deadline, ct), cancellationToken).ConfigureAwait(false);
        return response.Succeeded;
    }

    /// <summary>
    /// Calls <paramref name="onEvent"/> for every change under <paramref name="prefix"/> from
    /// <paramref name="fromRevision"/> on (0 = changes after this call), in revision order, until the returned
    /// subscription is disposed. Read a prefix, then watch from the read's revision + 1, and no change is missed.
    /// </summary>
    public async Task<IDisposable> WatchPrefixAsync(string prefix, Action<MetaWatchEvent> onEvent, long fromRevision = 0,
        CancellationToken cancellationToken = default)
    {
        var start = FullKey(prefix);
        if (fromRevision == 0)
        {
            // etcd creates a watch asynchronously: starting at an explicit revision is what guarantees no gap.
            fromRevision = await CurrentRevisionAsync(cancellationToken).ConfigureAwait(false) + 1;
        }

        var request = new WatchRequest
        {
            CreateRequest = new WatchCreateRequest { Key = start, RangeEnd = RangeEnd(start), StartRevision = fromRevision },
        };
        var watchId = await CallAsync("watch", prefix, idempotent: true,
            (_, ct) => _client.WatchAsync(request, response => Dispatch(prefix, response, onEvent), null, null, ct), cancellationToken)
            .ConfigureAwait(false);
        return new WatchSubscription(_client, watchId);
    }

    /// <summary>The store's current revision (that of the latest write anywhere in etcd).</summary>
    public async Task<long> CurrentRevisionAsync(CancellationToken cancellationToken = default)
    {
        var request = new RangeRequest { Key = _root, CountOnly = true };
        var response = await CallAsync("revision read", "", idempotent: true,
            (deadline, ct) => _client.GetAsync(request, null, deadline, ct), cancellationToken).ConfigureAwait(false);
        return response.Header.Revision;
    }

    /// <summary>Creates a lease that expires unless kept alive within <paramref name="ttl"/> (whole seconds, at least 1).</summary>
    public async Task<long> GrantLeaseAsync(TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        var request = new LeaseGrantRequest { TTL = Math.Max(1, (long)Math.Ceiling(ttl.TotalSeconds)) };
        var response = await CallAsync("lease grant", "", idempotent: false,
            (deadline, ct) => _client.LeaseGrantAsync(request, null, deadline, ct), cancellationToken).ConfigureAwait(false);
        return response.ID;
    }

    /// <summary>Refreshes a lease once; returns its remaining TTL in seconds, 0 when it has already expired.</summary>
    public Task<long> KeepAliveOnceAsync(long leaseId, CancellationToken cancellationToken = default) =>
        CallAsync("lease keep-alive", leaseId.ToString(System.Globalization.CultureInfo.InvariantCulture), idempotent: true, async (_, ct) =>
        {
            long ttl = 0;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_options.RequestTimeout);
            await _client.LeaseKeepAlive(new LeaseKeepAliveRequest { ID = leaseId }, response => ttl = response.TTL, timeout.Token)
                .ConfigureAwait(false);
            return ttl;
        }, cancellationToken);

    /// <summary>Writes a key that etcd deletes when <paramref name="leaseId"/> expires or is revoked.</summary>
    public async Task<long> PutWithLeaseAsync(string key, byte[] value, long leaseId, CancellationToken cancellationToken = default)
    {
        var request = new PutRequest { Key = FullKey(key), Value = ByteString.CopyFrom(value), Lease = leaseId };
        var response = await CallAsync("put", key, idempotent: false,
            (deadline, ct) => _client.PutAsync(request, null, deadline, ct), cancellationToken).ConfigureAwait(false);
        return response.Header.Revision;
    }

    /// <summary>Ends a lease now, deleting every key bound to it.</summary>
    public async Task RevokeLeaseAsync(long leaseId, CancellationToken cancellationToken = default)
    {
        var request = new LeaseRevokeRequest { ID = leaseId };
        try
        {
            await CallAsync("lease revoke", leaseId.ToString(System.Globalization.CultureInfo.InvariantCulture), idempotent: true,
                (deadline, ct) => _client.LeaseRevokeAsync(request, null, deadline, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (MilvusException e) when (e.InnerException is RpcException { StatusCode: StatusCode.NotFound })
        {
            // Already expired: its keys are gone, which is what a revoke asks for.
        }
    }

    /// <summary>
    /// Registers a node session: <paramref name="key"/> exists while this process keeps its lease alive and vanishes
    /// within <paramref name="ttl"/> after the process dies. Disposing the session deletes the key at once.
    /// </summary>
    public async Task<EtcdSession> StartSessionAsync(string key, byte[] value, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        var leaseId = await GrantLeaseAsync(ttl, cancellationToken).ConfigureAwait(false);
        try
        {
            await PutWithLeaseAsync(key, value, leaseId, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await RevokeLeaseAsync(leaseId, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        return new EtcdSession(this, key, leaseId, ttl);
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    internal TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(_options.MaxBackoff.TotalMilliseconds, _options.InitialBackoff.TotalMilliseconds * Math.Pow(2, attempt))
            * (0.75 + Random.Shared.NextDouble() * 0.5));

    /// <summary>
    /// Runs one etcd request. Unavailable means the request found no live server, so even writes are retried
    /// (a write retried after etcd did apply it shows up as a failed compare, never as a double effect);
    /// a deadline is retried only for reads, since a timed-out write may have been applied.
    /// </summary>
    private async Task<T> CallAsync<T>(string operation, string key, bool idempotent, Func<DateTime, CancellationToken, Task<T>> request,
        CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await request(DateTime.UtcNow + _options.RequestTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (!cancellationToken.IsCancellationRequested && attempt < _options.MaxRetries
                && (e.StatusCode == StatusCode.Unavailable || (idempotent && e.StatusCode == StatusCode.DeadlineExceeded)))
            {
                await Task.Delay(Backoff(attempt), cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
            {
                var retries = attempt == 0 ? "" : $" after {attempt} retries";
                throw new MilvusException(ErrorCode.IoFailed, $"etcd {operation} of '{key}' failed{retries}: {e.StatusCode}: {e.Status.Detail}", e);
            }
        }
    }

    private void Dispatch(string prefix, WatchResponse response, Action<MetaWatchEvent> onEvent)
    {
        if (response.Canceled)
        {
            onEvent(new MetaWatchEvent(MetaWatchEventKind.Reset, prefix, null, response.CompactRevision));
            return;
        }

        foreach (var change in response.Events)
        {
            var key = KeyOf(change.Kv.Key);
            onEvent(change.Type == Event.Types.EventType.Put
                ? new MetaWatchEvent(MetaWatchEventKind.Put, key, change.Kv.Value.ToByteArray(), change.Kv.ModRevision)
                : new MetaWatchEvent(MetaWatchEventKind.Delete, key, null, change.Kv.ModRevision));
        }
    }

    private ByteString FullKey(string key) => ByteString.CopyFrom([.. _root.Span, .. System.Text.Encoding.UTF8.GetBytes(key)]);

    private string KeyOf(ByteString fullKey) => System.Text.Encoding.UTF8.GetString(fullKey.Span[_root.Length..]);

    private MetaEntry ToEntry(KeyValue kv) => new(KeyOf(kv.Key), kv.Value.ToByteArray(), kv.ModRevision);

    /// <summary>The smallest key greater than every key starting with <paramref name="prefix"/> (etcd's range_end of a prefix).</summary>
    private static ByteString RangeEnd(ByteString prefix)
    {
        var end = prefix.ToByteArray();
        for (var i = end.Length - 1; i >= 0; i--)
        {
            if (end[i] < 0xFF)
            {
                end[i]++;
                return ByteString.CopyFrom(end, 0, i + 1);
            }
        }

        // Only reachable for an all-0xFF prefix, which the non-empty UTF-8 root path rules out.
        return ByteString.CopyFrom(0);
    }

    private sealed class WatchSubscription(EtcdClient client, long watchId) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                client.CancelWatch(watchId);
            }
        }
    }
}
