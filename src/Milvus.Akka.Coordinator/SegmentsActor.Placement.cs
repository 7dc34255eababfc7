using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding.External;
using Akka.Event;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// Shard placement: the coordinator decides which streaming node runs each shard (Milvus's channel assignment).
/// Sharding runs a <see cref="ShardPlacementStrategy"/> over the external allocation, and the coordinator writes the desired location
/// of every shard: a new shard goes to the streaming node with the fewest shards, and the shards of a node that
/// left move to the remaining ones. A node that joins later takes new shards; running shards are not moved.
/// </summary>
public sealed partial class SegmentsActor
{
    private static readonly IComparer<Address> AddressOrder =
        Comparer<Address>.Create((a, b) => string.CompareOrdinal(a.ToString(), b.ToString()));

    private readonly Dictionary<string, Address> _shardLocations = [];
    private IExternalShardAllocationClient? _placement;
    private bool _placementLoaded;

    /// <summary>The locations read from distributed data; null when the read failed.</summary>
    private sealed record PlacementLoaded(IReadOnlyDictionary<string, Address>? Locations) : INoSerializationVerificationNeeded;

    private sealed record PlacementWritten(string Shard, Address Location, bool Succeeded) : INoSerializationVerificationNeeded;

    private void ReadyPlacement()
    {
        Receive<PlacementLoaded>(m =>
        {
            if (m.Locations is null)
            {
                _log.Warning("Reading the shard locations failed; retrying before placing any shard");
                LoadPlacement();
                return;
            }

            foreach (var (shard, address) in m.Locations)
            {
                _shardLocations.TryAdd(shard, address);
            }

            _placementLoaded = true;
            PlaceShards();
        });
        Receive<PlacementWritten>(m =>
        {
            // A location that did not reach a majority is placed again on the next keep-alive round.
            if (!m.Succeeded && _shardLocations.TryGetValue(m.Shard, out var current) && current.Equals(m.Location))
            {
                _log.Warning("Placing shard {0} on {1} was not confirmed; retrying", m.Shard, m.Location);
                _shardLocations.Remove(m.Shard);
            }
        });
    }

    /// <summary>Reads the locations a previous incarnation wrote, so shards are not moved by a coordinator fail-over.</summary>
    private void LoadPlacement()
    {
        _placement = ExternalShardAllocation.Get(Context.System).ClientFor(CoordinatorActor.ShardTypeName);
        _placement.ShardLocations().ContinueWith(t => t.IsCompletedSuccessfully
                ? new PlacementLoaded(t.Result.Locations.ToDictionary(l => l.Key, l => l.Value.Address))
                : new PlacementLoaded(null))
            .PipeTo(Self);
    }

    /// <summary>Gives every shard without a live streaming node one, least-loaded node first.</summary>
    private void PlaceShards()
    {
        var streaming = global::Akka.Cluster.Cluster.Get(Context.System).State.Members
            .Where(m => m.Status == MemberStatus.Up && m.HasRole(CoordinatorActor.StreamingRole))
            .Select(m => m.Address)
            .ToHashSet();
        // Until the previous locations are read, every shard would look unplaced and could be moved.
        if (streaming.Count == 0 || _placement is null || !_placementLoaded)
        {
            return;
        }

        var shards = _state.Catalog.Collections.Values.SelectMany(c => c.AllShardNames).ToHashSet();
        foreach (var dropped in _shardLocations.Keys.Where(s => !shards.Contains(s)).ToList())
        {
            _shardLocations.Remove(dropped);
        }

        foreach (var (shard, target) in LeastLoadedPlacement.Place(shards.Order(StringComparer.Ordinal), streaming, _shardLocations, AddressOrder))
        {
            _shardLocations[shard] = target;
            _placement.UpdateShardLocation(shard, target)
                .ContinueWith(t => new PlacementWritten(shard, target, t.IsCompletedSuccessfully))
                .PipeTo(Self);
            _log.Info("Shard {0} placed on streaming node {1}", shard, target);
        }
    }
}
