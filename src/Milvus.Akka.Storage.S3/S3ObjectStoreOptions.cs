using System.Text;

namespace Milvus.Akka.Storage.S3;

/// <summary>
/// Where and how <see cref="S3ObjectStore"/> stores objects. Every key lives under
/// <c>{Bucket}/{RootPath}/{key}</c>, so several clusters can share one bucket.
/// </summary>
public sealed record S3ObjectStoreOptions
{
    /// <summary>The S3 server (MinIO, s3rver, a regional endpoint); null = AWS itself in <see cref="Region"/>.</summary>
    public string? ServiceUrl { get; init; }

    public string Region { get; init; } = "us-east-1";

    public required string Bucket { get; init; }

    /// <summary>Key prefix inside the bucket, without leading or trailing '/'; empty = the bucket's root.</summary>
    public string RootPath { get; init; } = "";

    /// <summary>Path-style URLs (<c>http://host/bucket/key</c>), which MinIO and most S3-compatible servers need.</summary>
    public bool ForcePathStyle { get; init; } = true;

    /// <summary>Static credentials; when both are null the standard AWS chain (environment, profile, instance role) is used.</summary>
    public string? AccessKey { get; init; }

    public string? SecretKey { get; init; }

    /// <summary>
    /// In-memory objects of at least this many bytes are uploaded in parts (a stream is, when it does not end within its
    /// first part). At most 5 GiB, S3's limit for one PUT.
    /// </summary>
    public long MultipartThreshold { get; init; } = 32L << 20;

    /// <summary>Size of each multipart part (S3 requires at least 5 MiB for all but the last), and of each range a read fetches.</summary>
    public int PartSize { get; init; } = 16 << 20;

    /// <summary>Parts of one upload in flight at once. A stream upload holds one part-size buffer per part in flight, plus one.</summary>
    public int UploadConcurrency { get; init; } = 4;

    /// <summary>Ranged GETs of one read (<see cref="S3ObjectStore.GetAsync"/> or a file download) in flight at once.</summary>
    public int DownloadConcurrency { get; init; } = 4;

    /// <summary>Retries of one request (a part, a GET, a LIST page) after a transient failure.</summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>Delay before the first retry; each further retry doubles it.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Timeout of one HTTP request.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(2);

    public bool CreateBucketIfMissing { get; init; } = true;

    internal const int MinPartSize = 5 << 20;

    /// <summary>S3's limit for one PUT, the largest <see cref="MultipartThreshold"/>.</summary>
    public const long MaxSinglePutSize = 5L << 30;

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Bucket);
        if (RootPath.StartsWith('/') || RootPath.EndsWith('/'))
        {
            throw new ArgumentException($"RootPath '{RootPath}' must not start or end with '/'", nameof(RootPath));
        }

        if ((AccessKey is null) != (SecretKey is null))
        {
            throw new ArgumentException("AccessKey and SecretKey are set together or not at all");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(PartSize, MinPartSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(MultipartThreshold, PartSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MultipartThreshold, MaxSinglePutSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(UploadConcurrency, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(DownloadConcurrency, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRetries);
    }

    // The record's generated ToString would print SecretKey into logs: show which credentials are used, never their value.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"ServiceUrl = {ServiceUrl ?? "(AWS)"}, Region = {Region}, Bucket = {Bucket}, RootPath = {RootPath}, ")
            .Append($"ForcePathStyle = {ForcePathStyle}, Credentials = {(AccessKey is null ? "default AWS chain" : "static (redacted)")}, ")
            .Append($"MultipartThreshold = {MultipartThreshold}, PartSize = {PartSize}, UploadConcurrency = {UploadConcurrency}, ")
            .Append($"DownloadConcurrency = {DownloadConcurrency}, MaxRetries = {MaxRetries}, ")
            .Append($"InitialBackoff = {InitialBackoff}, MaxBackoff = {MaxBackoff}, RequestTimeout = {RequestTimeout}, ")
            .Append($"CreateBucketIfMissing = {CreateBucketIfMissing}");
        return true;
    }
}
