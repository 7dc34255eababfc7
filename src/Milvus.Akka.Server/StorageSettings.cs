using Akka.Configuration;
using Milvus.Akka.Common;
using Milvus.Akka.Storage;

namespace Milvus.Akka.Server;

/// <summary>Typed view of <c>milvus.storage</c>: which backends hold objects and metadata (storage.*.hocon, meta.*.hocon).</summary>
public sealed record StorageSettings(string Objects, string LocalRoot, string Meta, string SqlitePath)
{
    public static StorageSettings From(Config config)
    {
        var c = config.GetConfig("milvus.storage");
        return new StorageSettings(c.GetString("objects", "local"), c.GetString("local.root"), c.GetString("meta", "sqlite"), c.GetString("sqlite.path"));
    }

    public IObjectStore CreateObjectStore() => Objects switch
    {
        "local" => new LocalObjectStore(LocalRoot),
        _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"milvus.storage.objects = '{Objects}' is not a known object store (use local)"),
    };

    public IMetaStore CreateMetaStore() => Meta switch
    {
        "sqlite" => SqliteMetaStore.Open(SqlitePath),
        _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"milvus.storage.meta = '{Meta}' is not a known meta store (use sqlite)"),
    };
}
