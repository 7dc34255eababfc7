using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using Milvus.Akka.Common;
using Milvus.Akka.Storage.Backends.Tests.Servers;
using Milvus.Akka.Storage.S3;
using Milvus.Akka.TestSupport;

namespace Milvus.Akka.Storage.Backends.Tests.ObjectStores;

/// <summary>
/// Parallel multipart uploads and ranged parallel downloads against a real s3rver, with a handler between the SDK and
/// the network that holds back, fails or records single requests, so that orderings and failures are deterministic.
/// </summary>
public sealed partial class S3ParallelTransferTests(S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    private const int PartSize = 5 << 20;

    // Four full parts and a short fifth one.
    private static readonly byte[] FiveParts = Payloads.Random(4 * PartSize + 1_000_003, seed: 21);

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Parts_that_finish_out_of_order_complete_into_the_exact_object_with_bounded_concurrency()
    {
        var laterPartsDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = new ConcurrentQueue<int>();
        var inFlight = 0;
        var mostInFlight = 0;
        var completion = "";
        var handler = new InterceptingHandler(async (request, send, ct) =>
        {
            if (request.Method == HttpMethod.Post && request.RequestUri!.Query.Contains("uploadId="))
            {
                // s3rver sorts the parts itself; S3 refuses a completion that does not list them in order.
                await request.Content!.LoadIntoBufferAsync(ct);
                completion = await request.Content.ReadAsStringAsync(ct);
            }

            if (PartNumber(request) is not { } part)
            {
                return await send(ct);
            }

            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref mostInFlight, now);
            try
            {
                if (part == 1)
                {
                    // Part 1 is sent only after every later part has been stored.
                    await laterPartsDone.Task.WaitAsync(Patience, ct);
                }

                var response = await send(ct);
                finished.Enqueue(part);
                if (finished.Count(p => p > 1) == 4)
                {
                    laterPartsDone.TrySetResult();
                }

                return response;
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        });
        await using var store = Store(handler, multipartThreshold: PartSize);

        await store.PutAsync("insert_log/1/2/3/100", FiveParts);

        Assert.Equal(1, finished.Last());
        Assert.Equal([1, 2, 3, 4, 5], finished.Order());
        Assert.InRange(mostInFlight, 2, 4);
        Assert.Equal(["1", "2", "3", "4", "5"], CompletedPartNumberPattern().Matches(completion).Select(m => m.Groups[1].Value));
        Assert.Equal(Payloads.Sha256(FiveParts), Payloads.Sha256(await store.GetAsync("insert_log/1/2/3/100")));
    }

    [Fact]
    public async Task A_stream_upload_in_parallel_parts_gives_the_exact_bytes()
    {
        await using var store = Store(new InterceptingHandler((request, send, ct) => send(ct)), multipartThreshold: PartSize);

        await store.PutAsync("insert_log/1/2/3/101", new TrickleStream(FiveParts));

        Assert.Equal(Payloads.Sha256(FiveParts), Payloads.Sha256(await store.GetAsync("insert_log/1/2/3/101")));
    }

    [Fact]
    public async Task A_part_that_fails_for_good_aborts_the_upload_and_leaves_the_previous_object()
    {
        var previous = Payloads.Random(1000, seed: 22);
        var aborted = false;
        var handler = new InterceptingHandler(async (request, send, ct) =>
        {
            if (PartNumber(request) == 3)
            {
                return new HttpResponseMessage(HttpStatusCode.InternalServerError);
            }

            aborted |= request.Method == HttpMethod.Delete && request.RequestUri!.Query.Contains("uploadId=");
            return await send(ct);
        });
        await using var store = Store(handler, multipartThreshold: PartSize, maxRetries: 1);
        await store.PutAsync("insert_log/1/2/3/102", previous);

        var error = await Assert.ThrowsAsync<MilvusException>(() => store.PutAsync("insert_log/1/2/3/102", FiveParts));

        Assert.Equal(ErrorCode.IoFailed, error.Code);
        Assert.StartsWith("S3 upload of part 3 of 'insert_log/1/2/3/102' failed after 1 retries: ", error.Message);
        Assert.Contains("(HTTP 500)", error.Message);
        Assert.True(aborted);
        Assert.Equal(Payloads.Sha256(previous), Payloads.Sha256(await store.GetAsync("insert_log/1/2/3/102")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_read_fetches_disjoint_ranges_that_cover_the_object_and_gives_the_exact_bytes(bool toFile)
    {
        var ranges = new ConcurrentBag<(long From, long To)>();
        var handler = new InterceptingHandler((request, send, ct) =>
        {
            if (request.Method == HttpMethod.Get && request.Headers.Range?.Ranges.Single() is { From: { } from, To: { } to })
            {
                ranges.Add((from, to));
            }

            return send(ct);
        });
        await using var store = Store(handler, multipartThreshold: PartSize);
        await store.PutAsync("insert_log/1/2/3/103", FiveParts);

        Assert.Equal(Payloads.Sha256(FiveParts), await ReadSha256Async(store, "insert_log/1/2/3/103", toFile));
        var expected = Enumerable.Range(0, 5).Select(i => ((long)i * PartSize, Math.Min((i + 1L) * PartSize, FiveParts.Length) - 1));
        Assert.Equal(expected, ranges.Order());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_empty_object_reads_as_empty(bool toFile)
    {
        await using var store = new S3ObjectStore(s3.Server.Options());
        await store.PutAsync("stats_log/1/2/3/100", ReadOnlyMemory<byte>.Empty);

        Assert.Equal(Payloads.Sha256([]), await ReadSha256Async(store, "stats_log/1/2/3/100", toFile));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_read_starts_over_when_the_object_is_replaced_between_its_ranges(bool toFile)
    {
        // s3rver ignores If-Match, so the handler answers the one range as S3 does for a replaced object.
        var refused = 0;
        var ifMatchSent = false;
        var startedOver = false;
        var handler = new InterceptingHandler(async (request, send, ct) =>
        {
            // The first range again after the refusal is the new attempt; how often the first attempt sent or retried
            // it depends on timing (it may be cancelled in flight or retried on a loaded machine).
            if (request.Headers.Range?.Ranges.Single().From == 0 && Volatile.Read(ref refused) > 0)
            {
                startedOver = true;
            }

            if (request.Headers.Range?.Ranges.Single().From == 2L * PartSize && Interlocked.Increment(ref refused) == 1)
            {
                ifMatchSent = request.Headers.IfMatch.Count > 0;
                return new HttpResponseMessage(HttpStatusCode.PreconditionFailed);
            }

            return await send(ct);
        });
        await using var store = Store(handler, multipartThreshold: PartSize);
        await store.PutAsync("insert_log/1/2/3/104", FiveParts);

        Assert.Equal(Payloads.Sha256(FiveParts), await ReadSha256Async(store, "insert_log/1/2/3/104", toFile));
        Assert.True(ifMatchSent);
        Assert.True(startedOver);
    }

    [Fact]
    public void Options_reject_a_threshold_beyond_a_single_put_and_concurrency_below_one()
    {
        var options = s3.Server.Options();
        Assert.Throws<ArgumentOutOfRangeException>(() => new S3ObjectStore(options with { MultipartThreshold = S3ObjectStoreOptions.MaxSinglePutSize + 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new S3ObjectStore(options with { UploadConcurrency = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new S3ObjectStore(options with { DownloadConcurrency = 0 }));
    }

    /// <summary>Reads through <see cref="S3ObjectStore.GetAsync"/> or a file download (which must leave no temporary file behind).</summary>
    private static async Task<string> ReadSha256Async(S3ObjectStore store, string key, bool toFile)
    {
        if (!toFile)
        {
            return Payloads.Sha256(await store.GetAsync(key));
        }

        using var directory = new TempDirectory("s3-download");
        var path = Path.Combine(directory.Path, "segment.bin");
        await store.DownloadToFileAsync(key, path);
        Assert.Equal(["segment.bin"], Directory.GetFiles(directory.Path).Select(Path.GetFileName));
        return Payloads.Sha256OfFile(path);
    }

    private S3ObjectStore Store(InterceptingHandler handler, long multipartThreshold, int maxRetries = 5) =>
        new(s3.Server.Options() with
        {
            PartSize = PartSize,
            MultipartThreshold = multipartThreshold,
            UploadConcurrency = 4,
            DownloadConcurrency = 4,
            MaxRetries = maxRetries,
            InitialBackoff = TimeSpan.FromMilliseconds(10),
        }, inner => handler.Around(inner));

    private static int? PartNumber(HttpRequestMessage request) =>
        request.Method == HttpMethod.Put && PartNumberPattern().Match(request.RequestUri!.Query) is { Success: true } match
            ? int.Parse(match.Groups[1].Value)
            : null;

    private static void InterlockedMax(ref int target, int value)
    {
        for (var current = Volatile.Read(ref target); value > current; current = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, current) == current)
            {
                return;
            }
        }
    }

    [GeneratedRegex(@"partNumber=(\d+)")]
    private static partial Regex PartNumberPattern();

    [GeneratedRegex(@"<PartNumber>(\d+)</PartNumber>")]
    private static partial Regex CompletedPartNumberPattern();

    /// <summary>Sees every request the SDK sends and decides whether, when and what the network answers.</summary>
    private sealed class InterceptingHandler(
        Func<HttpRequestMessage, Func<CancellationToken, Task<HttpResponseMessage>>, CancellationToken, Task<HttpResponseMessage>> intercept)
    {
        public HttpMessageHandler Around(HttpMessageHandler inner) => new Delegating(inner, intercept);

        private sealed class Delegating(
            HttpMessageHandler inner,
            Func<HttpRequestMessage, Func<CancellationToken, Task<HttpResponseMessage>>, CancellationToken, Task<HttpResponseMessage>> intercept)
            : DelegatingHandler(inner)
        {
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
                intercept(request, ct => base.SendAsync(request, ct), cancellationToken);
        }
    }
}
