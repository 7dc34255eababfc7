using Akka.Configuration;
using Milvus.Akka.Common;
using Milvus.Akka.Storage.Cache;
using Milvus.Akka.Storage.Etcd;
using Milvus.Akka.Storage.S3;

namespace Milvus.Akka.Storage.Hosting;

/// <summary>
/// Typed view of <c>milvus.storage</c> (hocon/storage.*.hocon and hocon/meta.*.hocon) and the factory of the
/// configured backends. Nothing else in the product knows which backend runs.
/// </summary>
public sealed record StorageSettings(
    string Objects,
    string LocalRoot,
    S3ObjectStoreOptions? S3,
    ObjectCacheOptions? Cache,
    string Meta,
    string SqlitePath,
    EtcdMetaStoreOptions? Etcd)
{
    public static StorageSettings From(Config config)
    {
        var c = config.GetConfig("milvus.storage") ?? throw new MilvusException(ErrorCode.ParameterMissing, "milvus.storage is not configured");
        var objects = c.GetString("objects", "local");
        var meta = c.GetString("meta", "sqlite");
        return new StorageSettings(
            objects,
            c.GetString("local.root"),
            objects == "s3" ? S3From(c.GetConfig("s3")) : null,
            c.GetBoolean("cache.enabled") ? new ObjectCacheOptions
            {
                Directory = c.GetString("cache.dir"),
                CapacityBytes = c.GetByteSize("cache.capacity") ?? 10L << 30,
            } : null,
            meta,
            c.GetString("sqlite.path"),
            meta == "etcd" ? EtcdFrom(c.GetConfig("etcd")) : null);
    }

    private static S3ObjectStoreOptions S3From(Config s3) => new()
    {
        ServiceUrl = NullIfEmpty(s3.GetString("service-url")),
        Region = s3.GetString("region", "us-east-1"),
        Bucket = s3.GetString("bucket"),
        RootPath = s3.GetString("root-path", ""),
        ForcePathStyle = s3.GetBoolean("force-path-style", true),
        AccessKey = NullIfEmpty(s3.GetString("access-key")),
        SecretKey = NullIfEmpty(s3.GetString("secret-key")),
        MultipartThreshold = s3.GetByteSize("multipart-threshold") ?? 32L << 20,
        PartSize = (int)(s3.GetByteSize("part-size") ?? 16L << 20),
        UploadConcurrency = s3.GetInt("upload-concurrency", 4),
        DownloadConcurrency = s3.GetInt("download-concurrency", 4),
        MaxRetries = s3.GetInt("max-retries", 5),
    };

    private static EtcdMetaStoreOptions EtcdFrom(Config etcd) => new()
    {
        Endpoints = etcd.GetString("endpoints"),
        RootPath = etcd.GetString("root-path", "milvus-akka/meta"),
        RequestTimeout = etcd.GetTimeSpan("request-timeout", TimeSpan.FromSeconds(10)),
        Username = NullIfEmpty(etcd.GetString("username")),
        Password = NullIfEmpty(etcd.GetString("password")),
    };

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    public IObjectStore CreateObjectStore()
    {
        IObjectStore store = Objects switch
        {
            "local" => new LocalObjectStore(LocalRoot),
            "s3" => new S3ObjectStore(S3!),
            _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"milvus.storage.objects = '{Objects}' is not an object store; use local or s3"),
        };
        return Cache is null ? store : new CachingObjectStore(store, Cache);
    }

    public IMetaStore CreateMetaStore() => Meta switch
    {
        "sqlite" => SqliteMetaStore.Open(SqlitePath),
        "etcd" => new EtcdMetaStore(Etcd!),
        _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"milvus.storage.meta = '{Meta}' is not a meta store; use sqlite or etcd"),
    };
}
