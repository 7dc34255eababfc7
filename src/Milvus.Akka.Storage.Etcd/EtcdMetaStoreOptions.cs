using System.Text;

namespace Milvus.Akka.Storage.Etcd;

/// <summary>How <see cref="EtcdMetaStore"/> reaches etcd and where its keys live.</summary>
public sealed record EtcdMetaStoreOptions
{
    /// <summary>Comma-separated client URLs, e.g. <c>http://10.0.0.1:2379,http://10.0.0.2:2379</c>.</summary>
    public required string Endpoints { get; init; }

    /// <summary>Every key of the store lives under <c>{RootPath}/</c>, so several clusters can share one etcd.</summary>
    public string RootPath { get; init; } = "milvus-akka/meta";

    /// <summary>Deadline of one request.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries of a request that did not reach a live server (etcd restarting, a leader election).</summary>
    public int MaxRetries { get; init; } = 8;

    /// <summary>Delay before the first retry; each further retry doubles it up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Keys fetched per request of a prefix range, which keeps each response under gRPC's message limit.</summary>
    public int RangePageSize { get; init; } = 500;

    /// <summary>etcd user (with authentication enabled); null = no authentication.</summary>
    public string? Username { get; init; }

    public string? Password { get; init; }

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(RootPath);
        if (RootPath.StartsWith('/') || RootPath.EndsWith('/'))
        {
            throw new ArgumentException($"RootPath '{RootPath}' must not start or end with '/'", nameof(RootPath));
        }

        if ((Username is null) != (Password is null))
        {
            throw new ArgumentException("Username and Password are set together or not at all");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(MaxRetries);
        ArgumentOutOfRangeException.ThrowIfLessThan(RangePageSize, 1);
    }

    // The generated ToString would print the password into logs.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Endpoints = {Endpoints}, RootPath = {RootPath}, RequestTimeout = {RequestTimeout}, MaxRetries = {MaxRetries}, ")
            .Append($"InitialBackoff = {InitialBackoff}, MaxBackoff = {MaxBackoff}, RangePageSize = {RangePageSize}, ")
            .Append($"Authentication = {(Username is null ? "none" : $"user {Username} (password redacted)")}");
        return true;
    }
}
