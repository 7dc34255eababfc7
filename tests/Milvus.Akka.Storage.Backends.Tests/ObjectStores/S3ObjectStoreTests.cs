using Milvus.Akka.Common;
using Milvus.Akka.TestSupport;
using Milvus.Akka.Storage.S3;

namespace Milvus.Akka.Storage.Backends.Tests.ObjectStores;

/// <summary>S3 behaviour beyond the contract: faults of the server, error mapping, configuration hygiene.</summary>
public sealed class S3ObjectStoreTests : IAsyncLifetime
{
    // Each test may stop this server, so it is not shared with the contract suites.
    private readonly S3rverServer _server = new();

    public Task InitializeAsync() => _server.StartAsync();

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public async Task An_upload_survives_the_server_stopping_and_coming_back_within_the_retry_window()
    {
        var data = Payloads.Random(12_000_000, seed: 12);
        await using var store = new S3ObjectStore(_server.Options() with { MaxRetries = 8 });
        Task? restart = null;
        var body = new TrickleStream(data)
        {
            // After the first part is read, kill the server and bring it back a moment later, while parts are in flight.
            PauseAfter = 6_000_000,
            OnPause = async () =>
            {
                await _server.StopAsync();
                restart = Task.Delay(700).ContinueWith(_ => _server.StartAsync()).Unwrap();
            },
        };

        await store.PutAsync("insert_log/1/2/3/100", body);
        await restart!;

        var read = await store.GetAsync("insert_log/1/2/3/100");
        Assert.Equal(Payloads.Sha256(data), Payloads.Sha256(read));
    }

    [Fact]
    public async Task An_upload_that_outlives_the_retries_fails_cleanly_leaves_nothing_visible_and_the_store_recovers()
    {
        var data = Payloads.Random(12_000_000, seed: 13);
        await using var store = new S3ObjectStore(_server.Options() with { MaxRetries = 2, InitialBackoff = TimeSpan.FromMilliseconds(50) });
        var body = new TrickleStream(data) { PauseAfter = 6_000_000, OnPause = _server.StopAsync };

        var error = await Assert.ThrowsAsync<MilvusException>(() => store.PutAsync("insert_log/1/2/3/100", body));
        Assert.Equal(ErrorCode.IoFailed, error.Code);
        Assert.Contains("insert_log/1/2/3/100", error.Message);
        Assert.Contains("after 2 retries", error.Message);

        await _server.StartAsync();
        Assert.Null(await store.StatAsync("insert_log/1/2/3/100"));
        Assert.Empty(await store.ListAsync(""));
        await store.PutAsync("insert_log/1/2/3/100", data);
        Assert.Equal(Payloads.Sha256(data), Payloads.Sha256(await store.GetAsync("insert_log/1/2/3/100")));
    }

    [Fact]
    public async Task A_read_while_the_server_is_down_fails_with_an_io_error_naming_the_key()
    {
        await using var store = new S3ObjectStore(_server.Options() with { MaxRetries = 1, InitialBackoff = TimeSpan.FromMilliseconds(10) });
        await store.PutAsync("k", Payloads.Random(10, seed: 1));
        await _server.StopAsync();

        var error = await Assert.ThrowsAsync<MilvusException>(() => store.GetAsync("k"));

        Assert.Equal(ErrorCode.IoFailed, error.Code);
        Assert.StartsWith("S3 GET 'k' failed after 1 retries", error.Message);
    }

    [Fact]
    public async Task Stores_sharing_a_bucket_are_isolated_by_their_root_paths()
    {
        await using var first = new S3ObjectStore(_server.Options());
        await using var second = new S3ObjectStore(_server.Options());
        await first.PutAsync("k", Payloads.Random(10, seed: 1));

        Assert.Null(await second.StatAsync("k"));
        Assert.Empty(await second.ListAsync(""));
        Assert.Equal(["k"], (await first.ListAsync("")).Select(o => o.Key));
    }

    [Fact]
    public void Options_never_print_the_secret_key()
    {
        var options = _server.Options() with { AccessKey = "AKIAEXAMPLE", SecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY" };

        var text = options.ToString();

        Assert.DoesNotContain("wJalrXUtnFEMI", text);
        Assert.DoesNotContain("AKIAEXAMPLE", text);
        Assert.Contains("Bucket = milvus-test", text);
    }

    [Fact]
    public void Options_reject_parts_below_the_S3_minimum()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new S3ObjectStore(_server.Options() with { PartSize = 1 << 20 }));
    }
}
