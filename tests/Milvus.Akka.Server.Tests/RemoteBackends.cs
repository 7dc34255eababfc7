using Milvus.Akka.Storage.S3;
using Milvus.Akka.TestSupport;

namespace Milvus.Akka.Server.Tests;

/// <summary>HOCON pointing a node at the test's own s3rver and etcd, and a second client of the node's bucket.</summary>
public static class RemoteBackends
{
    public const string Bucket = "milvus-akka-tests";

    /// <summary>One retry per S3 request: an outage reaches the shard's flush retry quickly instead of inside the client.</summary>
    public static string S3Config(S3rverServer s3) => $$"""
        milvus.storage {
          objects = s3
          s3 {
            service-url = "{{s3.Url}}"
            bucket = "{{Bucket}}"
            access-key = S3RVER
            secret-key = S3RVER
            max-retries = 1
          }
        }
        """;

    public static string EtcdConfig(EtcdServer etcd) => $$"""
        milvus.storage {
          meta = etcd
          etcd.endpoints = "{{etcd.Url}}"
        }
        """;

    /// <summary>A client of the bucket the node writes to (the node's root path is the bucket's root).</summary>
    public static S3ObjectStore OpenBucket(S3rverServer s3) => new(s3.Options(Bucket) with { RootPath = "" });
}
