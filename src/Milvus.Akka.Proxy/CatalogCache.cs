using Milvus.Akka.Coordinator;

namespace Milvus.Akka.Proxy;

/// <summary>
/// The proxy's metadata cache: collections as the coordinator described them, by database and the name or alias asked
/// for, each kept under the catalog version of its description. The coordinator takes a new version (a TSO timestamp,
/// so versions only grow, across fail-overs too) for every DDL change and tells proxies three ways: in the reply to
/// the DDL command (the proxy that made the change sees it at once), on distributed pub-sub (every other proxy, within
/// the propagation delay), and on every timestamp reply (a proxy that missed a pub-sub message). Seeing a newer
/// version drops every entry, so nothing described before a change is served after the proxy learned of it.
/// </summary>
/// <remarks>
/// A description that was asked for before a change but answered after the proxy saw the change is older than the
/// version the cache holds and is not kept. A collection dropped and created again under the same name has a new id:
/// both DDL calls change the version, so the cache describes it again; a proxy that missed both messages reaches the
/// old collection's shards, which answer CollectionNotFound, and <see cref="Forget"/> drops the entry. Entries also
/// expire after <c>maxAge</c>, a bound on staleness if a pub-sub message is lost while no timestamp reply arrives.
/// Thread-safe.
/// </remarks>
public sealed class CatalogCache(TimeSpan maxAge, Func<DateTimeOffset>? clock = null)
{
    private readonly Func<DateTimeOffset> _clock = clock ?? (() => DateTimeOffset.UtcNow);
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Database, string Name), (CollectionInfo Collection, DateTimeOffset Expires)> _collections = [];
    private ulong _version;
    private long _hits;
    private long _misses;

    /// <summary>The newest catalog version this proxy has seen.</summary>
    public ulong Version
    {
        get
        {
            lock (_gate)
            {
                return _version;
            }
        }
    }

    /// <summary>Lookups answered from the cache so far (the metrics endpoint reports them).</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Lookups that found nothing or an expired entry so far.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _collections.Count;
            }
        }
    }

    /// <summary>The collection cached under this database and name or alias, unless it expired.</summary>
    public CollectionInfo? Find(string database, string name)
    {
        lock (_gate)
        {
            if (!_collections.TryGetValue((database, name), out var entry))
            {
                _misses++;
                return null;
            }

            if (entry.Expires > _clock())
            {
                _hits++;
                return entry.Collection;
            }

            _misses++;
            _collections.Remove((database, name));
            return null;
        }
    }

    /// <summary>Keeps a description the coordinator gave at <paramref name="version"/>, unless a newer change is known already.</summary>
    public void Put(string database, string name, CollectionInfo collection, ulong version)
    {
        lock (_gate)
        {
            if (version < _version)
            {
                return;
            }

            AdvanceTo(version);
            _collections[(database, name)] = (collection, _clock() + maxAge);
        }
    }

    /// <summary>The catalog is at <paramref name="version"/>: drops everything described before it.</summary>
    public void Observe(ulong version)
    {
        lock (_gate)
        {
            AdvanceTo(version);
        }
    }

    /// <summary>Drops every entry of a collection a shard no longer knows (it was dropped).</summary>
    public void Forget(long collectionId)
    {
        lock (_gate)
        {
            foreach (var key in _collections.Where(e => e.Value.Collection.Id == collectionId).Select(e => e.Key).ToList())
            {
                _collections.Remove(key);
            }
        }
    }

    private void AdvanceTo(ulong version)
    {
        if (version > _version)
        {
            _version = version;
            _collections.Clear();
        }
    }
}
