using System.Collections.Concurrent;
using Akka.Actor;
using Milvus.Akka.Common;
using Milvus.Akka.Storage;

namespace Milvus.Akka.Persistence.Kafka;

/// <summary>
/// The object stores the snapshot store plugin can use, by name. Plugins are created by Akka from HOCON and cannot
/// receive constructor arguments, so the host registers its <see cref="IObjectStore"/> here before the first
/// persistent actor starts: <c>SnapshotObjectStores.Get(system).Register("default", store)</c>.
/// The host keeps ownership: the plugin never disposes a registered store.
/// </summary>
public sealed class SnapshotObjectStores : IExtension
{
    private readonly ConcurrentDictionary<string, IObjectStore> _stores = new(StringComparer.Ordinal);

    public static SnapshotObjectStores Get(ActorSystem system) => system.WithExtension<SnapshotObjectStores, SnapshotObjectStoresProvider>();

    public void Register(string name, IObjectStore store)
    {
        if (!_stores.TryAdd(name, store))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"An object store is already registered for snapshots under '{name}'.");
        }
    }

    internal IObjectStore Resolve(string name) => _stores.TryGetValue(name, out var store)
        ? store
        : throw new MilvusException(ErrorCode.ParameterMissing,
            $"No object store registered under '{name}' ({KafkaPersistence.SnapshotStorePluginId}.store-name): " +
            "call SnapshotObjectStores.Get(system).Register(name, store) before starting persistent actors.");
}

public sealed class SnapshotObjectStoresProvider : ExtensionIdProvider<SnapshotObjectStores>
{
    public override SnapshotObjectStores CreateExtension(ExtendedActorSystem system) => new();
}
