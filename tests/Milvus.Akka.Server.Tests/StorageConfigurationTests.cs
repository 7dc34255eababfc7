using Milvus.Akka.Storage.Hosting;
using Milvus.Akka.Storage.S3;

namespace Milvus.Akka.Server.Tests;

/// <summary>The shipped hocon/storage.s3.hocon keys reach the S3 store's typed options.</summary>
public sealed class StorageConfigurationTests
{
    private static StorageSettings Load(string extraConfig) =>
        StorageSettings.From(MilvusConfig.Load(new NodeOptions { DataDir = Path.GetTempPath(), ExtraConfig = extraConfig }));

    [Fact]
    public void The_shipped_s3_defaults_are_the_options_defaults()
    {
        var s3 = Load("milvus.storage.objects = s3").S3!;
        var defaults = new S3ObjectStoreOptions { Bucket = s3.Bucket };

        Assert.Equal(
            (defaults.MultipartThreshold, defaults.PartSize, defaults.UploadConcurrency, defaults.DownloadConcurrency, defaults.MaxRetries),
            (s3.MultipartThreshold, s3.PartSize, s3.UploadConcurrency, s3.DownloadConcurrency, s3.MaxRetries));
    }

    [Fact]
    public void Every_s3_transfer_key_is_read()
    {
        var s3 = Load("""
            milvus.storage.objects = s3
            milvus.storage.s3 {
              bucket = "b"
              multipart-threshold = 96 MiB
              part-size = 8 MiB
              upload-concurrency = 3
              download-concurrency = 6
              max-retries = 2
            }
            """).S3!;

        Assert.Equal(("b", 96L << 20, 8 << 20, 3, 6, 2),
            (s3.Bucket, s3.MultipartThreshold, s3.PartSize, s3.UploadConcurrency, s3.DownloadConcurrency, s3.MaxRetries));
    }
}
