using System.Buffers;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Milvus.Akka.Common;

namespace Milvus.Akka.Storage.S3;

/// <summary>
/// Object storage on S3 or an S3-compatible server. An S3 object appears whole when its PUT (or its multipart
/// COMPLETE) succeeds, which gives <see cref="IObjectStore"/>'s atomic puts; an aborted multipart upload leaves
/// nothing visible. Each request is retried with exponential backoff on transient failures (network errors,
/// timeouts, 5xx, throttling); the SDK's own retries are off so that one policy, <see cref="S3ObjectStoreOptions"/>'s,
/// decides. Failures surface as <see cref="MilvusException"/>: IoKeyNotFound for absent objects, IoUnexpectEof
/// for ranges past the end, IoFailed naming the operation, key and S3 error code otherwise. Large objects move in
/// parallel: uploads as multipart parts, reads as ranged GETs (see the README's throughput section for why).
/// </summary>
public sealed class S3ObjectStore : IObjectStore
{
    private readonly AmazonS3Client _client;
    private readonly S3ObjectStoreOptions _options;
    private readonly string _keyPrefix;
    private readonly SemaphoreSlim _bucketGate = new(1, 1);
    private volatile bool _bucketReady;

    public S3ObjectStore(S3ObjectStoreOptions options)
        : this(options, wrapHandler: null)
    {
    }

    /// <param name="options">Where and how objects are stored.</param>
    /// <param name="wrapHandler">Tests put a handler between the SDK and the network here, to reorder or fail single requests.</param>
    internal S3ObjectStore(S3ObjectStoreOptions options, Func<HttpMessageHandler, HttpMessageHandler>? wrapHandler)
    {
        options.Validate();
        _options = options;
        _keyPrefix = options.RootPath.Length == 0 ? "" : options.RootPath + "/";
        _bucketReady = !options.CreateBucketIfMissing;

        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            AuthenticationRegion = options.Region,
            MaxErrorRetry = 0,
            Timeout = options.RequestTimeout,
            // S3-compatible servers do not all understand the flexible-checksum trailers the SDK adds by default.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (wrapHandler is not null)
        {
            config.HttpClientFactory = new WrappingHttpClientFactory(wrapHandler);
        }

        if (options.ServiceUrl is null)
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        }
        else
        {
            config.ServiceURL = options.ServiceUrl;
        }

        _client = options.AccessKey is null
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
    }

    public S3ObjectStoreOptions Options => _options;

    public Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        var objectKey = ObjectKey(key);
        return data.Length < _options.MultipartThreshold
            ? PutSingleAsync(key, objectKey, data, cancellationToken)
            : PutMultipartAsync(key, objectKey, new MemoryPartSource(data, _options.PartSize), cancellationToken);
    }

    public async Task PutAsync(string key, Stream data, CancellationToken cancellationToken = default)
    {
        var objectKey = ObjectKey(key);
        var source = new StreamPartSource(data, _options.PartSize);
        try
        {
            // A stream that ends inside its first part goes up in one PUT; longer ones in parts, read while the previous part uploads.
            var first = await source.NextAsync(cancellationToken).ConfigureAwait(false);
            if (first.Length < _options.PartSize)
            {
                await PutSingleAsync(key, objectKey, first, cancellationToken).ConfigureAwait(false);
                return;
            }

            source.PushBack(first);
            await PutMultipartAsync(key, objectKey, source, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            source.Dispose();
        }
    }

    public async Task<byte[]> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var objectKey = ObjectKey(key);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await GetInRangesAsync(key, objectKey, cancellationToken).ConfigureAwait(false);
            }
            catch (ObjectChangedException) when (attempt < _options.MaxRetries)
            {
                // Replaced between two ranges: start over, so that the bytes are one version of the object.
            }
            catch (ObjectChangedException)
            {
                throw ReplacedDuringEachAttempt("GET", key, attempt);
            }
        }
    }

    /// <summary>The first range also tells the object's size and version; a larger object's other ranges follow in parallel.</summary>
    private async Task<byte[]> GetInRangesAsync(string key, string objectKey, CancellationToken cancellationToken)
    {
        var (buffer, etag) = await RunAsync("GET", key, async ct =>
        {
            GetObjectResponse response;
            try
            {
                response = await _client.GetObjectAsync(new GetObjectRequest
                {
                    BucketName = _options.Bucket,
                    Key = objectKey,
                    ByteRange = new ByteRange(0, _options.PartSize - 1),
                }, ct).ConfigureAwait(false);
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                // An empty object has no range at all.
                return ([], "");
            }

            using (response)
            {
                var size = TotalSize(response);
                if (size == 0)
                {
                    // Not reading the body: s3rver answers an empty object's range with a one-byte length and no byte.
                    return ([], "");
                }

                if (size > Array.MaxLength)
                {
                    throw new MilvusException(ErrorCode.ParameterTooLarge,
                        $"object '{key}' has {size} bytes, too many for one buffer: download it to a file instead");
                }

                var bytes = new byte[size];
                await response.ResponseStream.ReadExactlyAsync(bytes.AsMemory(0, (int)Math.Min(size, _options.PartSize)), ct).ConfigureAwait(false);
                return (bytes, response.ETag);
            }
        }, cancellationToken).ConfigureAwait(false);

        await FetchRangesAsync(key, objectKey, buffer.Length, etag, firstRange: 1,
            (body, offset, length, ct) => body.ReadExactlyAsync(buffer.AsMemory((int)offset, length), ct).AsTask(), cancellationToken).ConfigureAwait(false);
        return buffer;
    }

    /// <summary>The object's size from a ranged response's <c>Content-Range: bytes first-last/size</c>.</summary>
    private static long TotalSize(GetObjectResponse response) =>
        response.ContentRange is { } range && range.LastIndexOf('/') is var slash and >= 0
            && long.TryParse(range.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var size)
            ? size
            : response.ContentLength;

    public async Task<byte[]> GetRangeAsync(string key, long offset, int length, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var objectKey = ObjectKey(key);
        if (length == 0)
        {
            // S3 has no empty range: the object's size alone answers.
            var info = await StatAsync(key, cancellationToken).ConfigureAwait(false) ?? throw NotFound(key);
            return offset <= info.Size ? [] : throw BeyondEnd(key, offset, length, info.Size.ToString());
        }

        return await RunAsync("GET range of", key, async ct =>
        {
            var request = new GetObjectRequest { BucketName = _options.Bucket, Key = objectKey, ByteRange = new ByteRange(offset, offset + length - 1) };
            GetObjectResponse response;
            try
            {
                response = await _client.GetObjectAsync(request, ct).ConfigureAwait(false);
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                throw BeyondEnd(key, offset, length, "fewer");
            }

            using (response)
            {
                // S3 answers a range that runs past the end with the bytes that exist.
                if (response.ContentLength < length)
                {
                    throw BeyondEnd(key, offset, length, response.ContentRange?.Split('/').LastOrDefault() ?? "fewer");
                }

                var buffer = new byte[length];
                await response.ResponseStream.ReadExactlyAsync(buffer, ct).ConfigureAwait(false);
                return buffer;
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task DownloadToFileAsync(string key, string path, CancellationToken cancellationToken = default)
    {
        var objectKey = ObjectKey(key);
        var target = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(directory);
        for (var attempt = 0; ; attempt++)
        {
            // Written beside the target and renamed over it: a failed download never leaves a plausible partial file.
            var temp = Path.Combine(directory, $".~{Guid.NewGuid():N}.tmp");
            try
            {
                var (size, etag) = await HeadAsync(key, objectKey, cancellationToken).ConfigureAwait(false);
                using (var file = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.Asynchronous, size))
                {
                    await FetchRangesAsync(key, objectKey, size, etag, firstRange: 0,
                        (body, offset, length, ct) => WriteRangeAsync(file, body, offset, length, ct), cancellationToken).ConfigureAwait(false);
                    RandomAccess.FlushToDisk(file);
                }

                File.Move(temp, target, overwrite: true);
                return;
            }
            catch (ObjectChangedException) when (attempt < _options.MaxRetries)
            {
                // Replaced between two ranges: start over, so that the file is one version of the object.
            }
            catch (ObjectChangedException)
            {
                throw ReplacedDuringEachAttempt("download of", key, attempt);
            }
            finally
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>
    /// The object from range <paramref name="firstRange"/> on, in <see cref="S3ObjectStoreOptions.PartSize"/> ranges,
    /// <see cref="S3ObjectStoreOptions.DownloadConcurrency"/> at a time, each body handed to <paramref name="write"/> with
    /// its offset and length. Ranged GETs also skip the SDK's MD5 of whole-object bodies, which on a fast link costs more
    /// CPU than the transfer itself; every range is checked for its exact length instead.
    /// </summary>
    private Task FetchRangesAsync(string key, string objectKey, long size, string etag, int firstRange,
        Func<Stream, long, int, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var ranges = (int)((size + _options.PartSize - 1) / _options.PartSize);
        return Parallel.ForAsync(firstRange, Math.Max(firstRange, ranges),
            new ParallelOptions { MaxDegreeOfParallelism = _options.DownloadConcurrency, CancellationToken = cancellationToken },
            async (index, ct) =>
            {
                var offset = (long)index * _options.PartSize;
                var length = (int)Math.Min(_options.PartSize, size - offset);
                await RunAsync($"GET of bytes {offset}-{offset + length - 1} of", key, async requestCt =>
                {
                    using var response = await GetRangeResponseAsync(objectKey, offset, length, etag, requestCt).ConfigureAwait(false);
                    await write(response.ResponseStream, offset, length, requestCt).ConfigureAwait(false);
                    return true;
                }, ct).ConfigureAwait(false);
            });
    }

    /// <summary>Copies one range's body to its place in the file.</summary>
    private static async Task WriteRangeAsync(SafeFileHandle file, Stream body, long offset, int length, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            for (var written = 0; written < length;)
            {
                var read = await body.ReadAsync(buffer.AsMemory(0, Math.Min(buffer.Length, length - written)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new EndOfStreamException($"the body ended {written} bytes into the {length}-byte range at {offset}");
                }

                await RandomAccess.WriteAsync(file, buffer.AsMemory(0, read), offset + written, cancellationToken).ConfigureAwait(false);
                written += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task<GetObjectResponse> GetRangeResponseAsync(string objectKey, long offset, int length, string etag, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _client.GetObjectAsync(new GetObjectRequest
            {
                BucketName = _options.Bucket,
                Key = objectKey,
                ByteRange = new ByteRange(offset, offset + length - 1),
                // The ranges of one read must come from one version of the object.
                EtagToMatch = etag,
            }, cancellationToken).ConfigureAwait(false);
            if (response.ContentLength != length)
            {
                response.Dispose();
                throw new ObjectChangedException();
            }

            return response;
        }
        catch (AmazonS3Exception e) when (e.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            throw new ObjectChangedException();
        }
    }

    private Task<(long Size, string ETag)> HeadAsync(string key, string objectKey, CancellationToken cancellationToken) =>
        RunAsync("HEAD", key, async ct =>
        {
            var response = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _options.Bucket, Key = objectKey }, ct)
                .ConfigureAwait(false);
            return (response.ContentLength, response.ETag);
        }, cancellationToken);

    public Task<ObjectInfo?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        var objectKey = ObjectKey(key);
        return RunAsync("HEAD", key, async ct =>
        {
            try
            {
                var response = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _options.Bucket, Key = objectKey }, ct)
                    .ConfigureAwait(false);
                return new ObjectInfo(key, response.ContentLength, ToOffset(response.LastModified));
            }
            catch (AmazonS3Exception e) when (IsNotFound(e))
            {
                return (ObjectInfo?)null;
            }
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<ObjectInfo>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var result = new List<ObjectInfo>();
        string? continuation = null;
        do
        {
            var page = await RunAsync("LIST", prefix, ct => _client.ListObjectsV2Async(new ListObjectsV2Request
            {
                BucketName = _options.Bucket,
                Prefix = _keyPrefix + prefix,
                ContinuationToken = continuation,
            }, ct), cancellationToken).ConfigureAwait(false);
            foreach (var item in page.S3Objects ?? [])
            {
                result.Add(new ObjectInfo(item.Key[_keyPrefix.Length..], item.Size ?? 0, ToOffset(item.LastModified)));
            }

            continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (continuation is not null);

        // S3 lists in UTF-8 byte order; ordinal UTF-16 order differs only for surrogate pairs, so sort to keep the contract exact.
        result.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return result;
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var objectKey = ObjectKey(key);
        return RunAsync("DELETE", key, async ct =>
        {
            try
            {
                await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _options.Bucket, Key = objectKey }, ct).ConfigureAwait(false);
            }
            catch (AmazonS3Exception e) when (IsNotFound(e))
            {
                // Deleting an absent object succeeds, as on AWS itself (some compatible servers answer 404).
            }

            return true;
        }, cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        _bucketGate.Dispose();
        return ValueTask.CompletedTask;
    }

    private Task PutSingleAsync(string key, string objectKey, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        RunAsync("PUT", key, async ct =>
        {
            using var body = ReadOnlyStream(data);
            await _client.PutObjectAsync(new PutObjectRequest
            {
                BucketName = _options.Bucket,
                Key = objectKey,
                InputStream = body,
                AutoCloseStream = false,
                // The SDK's aws-chunked bodies are stored verbatim by some S3-compatible servers (s3rver): corrupted objects with HTTP 200.
                UseChunkEncoding = false,
            }, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>
    /// Uploads the parts <see cref="S3ObjectStoreOptions.UploadConcurrency"/> at a time, reading the next part while they
    /// are in flight, and completes the upload whatever order they finished in. The first part
    /// that fails for good cancels the others and aborts the upload, so that readers keep seeing the previous object.
    /// </summary>
    private async Task PutMultipartAsync(string key, string objectKey, IPartSource source, CancellationToken cancellationToken)
    {
        var uploadId = (await RunAsync("multipart start of", key, ct => _client.InitiateMultipartUploadAsync(
            new InitiateMultipartUploadRequest { BucketName = _options.Bucket, Key = objectKey }, ct), cancellationToken).ConfigureAwait(false)).UploadId;
        using var siblingsFailed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var inFlight = new List<(Task<PartETag> Upload, ReadOnlyMemory<byte> Part)>();
        var uploaded = new List<PartETag>();
        try
        {
            try
            {
                for (var partNumber = 1; ; partNumber++)
                {
                    var part = await source.NextAsync(siblingsFailed.Token).ConfigureAwait(false);
                    if (part.Length == 0)
                    {
                        break;
                    }

                    if (inFlight.Count == _options.UploadConcurrency)
                    {
                        uploaded.Add(await CollectFirstFinishedAsync(inFlight, source).ConfigureAwait(false));
                    }

                    inFlight.Add((UploadPartAsync(key, objectKey, uploadId, partNumber, part, siblingsFailed.Token), part));
                }

                while (inFlight.Count > 0)
                {
                    uploaded.Add(await CollectFirstFinishedAsync(inFlight, source).ConfigureAwait(false));
                }
            }
            catch
            {
                await siblingsFailed.CancelAsync().ConfigureAwait(false);
                // The parts still running read buffers that return to the pool when this method ends: wait for them.
                await Task.WhenAll(inFlight.Select(f => f.Upload)).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
                throw;
            }

            await RunAsync("multipart completion of", key, ct => _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _options.Bucket,
                Key = objectKey,
                UploadId = uploadId,
                // In completion order: the SDK lists them by part number, as S3 requires.
                PartETags = uploaded,
            }, ct), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await AbortQuietlyAsync(objectKey, uploadId).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Waits for whichever in-flight part finishes first, frees its buffer and returns its ETag (or throws its failure).</summary>
    private static async Task<PartETag> CollectFirstFinishedAsync(List<(Task<PartETag> Upload, ReadOnlyMemory<byte> Part)> inFlight, IPartSource source)
    {
        var finished = await Task.WhenAny(inFlight.Select(f => f.Upload)).ConfigureAwait(false);
        var index = inFlight.FindIndex(f => f.Upload == finished);
        var part = inFlight[index].Part;
        inFlight.RemoveAt(index);
        try
        {
            return await finished.ConfigureAwait(false);
        }
        finally
        {
            source.Release(part);
        }
    }

    private Task<PartETag> UploadPartAsync(string key, string objectKey, string uploadId, int partNumber, ReadOnlyMemory<byte> data,
        CancellationToken cancellationToken) =>
        RunAsync($"upload of part {partNumber} of", key, async ct =>
        {
            using var body = ReadOnlyStream(data);
            var response = await _client.UploadPartAsync(new UploadPartRequest
            {
                BucketName = _options.Bucket,
                Key = objectKey,
                UploadId = uploadId,
                PartNumber = partNumber,
                PartSize = data.Length,
                InputStream = body,
                UseChunkEncoding = false,
            }, ct).ConfigureAwait(false);
            return new PartETag(partNumber, response.ETag);
        }, cancellationToken);

    private async Task AbortQuietlyAsync(string objectKey, string uploadId)
    {
        try
        {
            await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _options.Bucket, Key = objectKey, UploadId = uploadId })
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is AmazonServiceException or HttpRequestException or IOException or OperationCanceledException)
        {
            // The parts of an unfinished upload are invisible to readers; a bucket lifecycle rule reclaims their space.
        }
    }

    /// <summary>Runs one S3 request, retrying transient failures with exponential backoff and translating the final failure.</summary>
    private async Task<T> RunAsync<T>(string operation, string key, Func<CancellationToken, Task<T>> request, CancellationToken cancellationToken)
    {
        if (!_bucketReady)
        {
            await EnsureBucketAsync(cancellationToken).ConfigureAwait(false);
        }

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await request(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e, cancellationToken) && attempt < _options.MaxRetries)
            {
                await Task.Delay(Backoff(attempt), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not (MilvusException or ObjectChangedException) && !cancellationToken.IsCancellationRequested && Translate(operation, key, e, attempt) is { } error)
            {
                throw error;
            }
        }
    }

    private async Task EnsureBucketAsync(CancellationToken cancellationToken)
    {
        await _bucketGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_bucketReady)
            {
                return;
            }

            _bucketReady = true;
            await RunAsync("bucket creation for", _options.Bucket, async ct =>
            {
                try
                {
                    await _client.PutBucketAsync(new PutBucketRequest { BucketName = _options.Bucket }, ct).ConfigureAwait(false);
                }
                catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
                {
                }

                return true;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _bucketReady = false;
            throw;
        }
        finally
        {
            _bucketGate.Release();
        }
    }

    private TimeSpan Backoff(int attempt)
    {
        var delay = Math.Min(_options.MaxBackoff.TotalMilliseconds, _options.InitialBackoff.TotalMilliseconds * Math.Pow(2, attempt));
        // Jitter spreads the retries of many nodes that failed together.
        return TimeSpan.FromMilliseconds(delay * (0.75 + Random.Shared.NextDouble() * 0.5));
    }

    private static bool IsTransient(Exception e, CancellationToken cancellationToken) => e switch
    {
        _ when cancellationToken.IsCancellationRequested => false,
        AmazonServiceException s when s.StatusCode is 0 => true,
        AmazonServiceException s => (int)s.StatusCode >= 500 || s.StatusCode == HttpStatusCode.TooManyRequests
            || s.ErrorCode is "RequestTimeout" or "SlowDown" or "InternalError" or "RequestTimeTooSkewed",
        // Network failures and the SDK's request timeout (a cancellation that the caller did not ask for).
        HttpRequestException or IOException or TimeoutException or OperationCanceledException => true,
        AmazonClientException => true,
        _ => false,
    };

    private static MilvusException? Translate(string operation, string key, Exception e, int attempt)
    {
        if (e is AmazonS3Exception s3 && IsNotFound(s3) && s3.ErrorCode != "NoSuchBucket")
        {
            return NotFound(key);
        }

        var code = e switch
        {
            AmazonServiceException { ErrorCode: { Length: > 0 } errorCode } service => $"{errorCode} (HTTP {(int)service.StatusCode})",
            AmazonServiceException service => $"HTTP {(int)service.StatusCode}",
            _ => e.GetType().Name,
        };
        var retries = attempt == 0 ? "" : $" after {attempt} retries";
        return new MilvusException(ErrorCode.IoFailed, $"S3 {operation} '{key}' failed{retries}: {code}: {e.Message}", e);
    }

    private static bool IsNotFound(AmazonS3Exception e) => e.StatusCode == HttpStatusCode.NotFound || e.ErrorCode is "NoSuchKey";

    private string ObjectKey(string key)
    {
        if (string.IsNullOrEmpty(key) || key.StartsWith('/'))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"object key '{key}' is invalid: keys are non-empty relative paths");
        }

        return _keyPrefix + key;
    }

    private static Stream ReadOnlyStream(ReadOnlyMemory<byte> data) =>
        MemoryMarshal.TryGetArray(data, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(data.ToArray(), writable: false);

    private static DateTimeOffset ToOffset(DateTime? time) =>
        time is { } value ? new DateTimeOffset(DateTime.SpecifyKind(value.ToUniversalTime(), DateTimeKind.Utc)) : DateTimeOffset.UnixEpoch;

    private static MilvusException NotFound(string key) => new(ErrorCode.IoKeyNotFound, $"object '{key}' not found");

    private static MilvusException ReplacedDuringEachAttempt(string operation, string key, int attempt) =>
        new(ErrorCode.IoFailed, $"S3 {operation} '{key}' failed after {attempt} retries: the object was replaced during each attempt");

    private static MilvusException BeyondEnd(string key, long offset, int length, string size) =>
        new(ErrorCode.IoUnexpectEof, $"range [{offset}, {offset + length}) is beyond the end of object '{key}' ({size} bytes)");

    private const int CopyBufferSize = 1 << 20;

    /// <summary>A ranged read found another version of the object than the one the download started with.</summary>
    private sealed class ObjectChangedException() : Exception("the object changed during the download");

    /// <summary>Lets tests see and shape the SDK's HTTP traffic; production uses the SDK's own client.</summary>
    private sealed class WrappingHttpClientFactory(Func<HttpMessageHandler, HttpMessageHandler> wrap) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) =>
            new(wrap(new SocketsHttpHandler { AllowAutoRedirect = false }))
            {
                Timeout = clientConfig.Timeout ?? TimeSpan.FromSeconds(100),
            };
    }

    /// <summary>Successive parts of an upload; a part is valid until it is released.</summary>
    private interface IPartSource
    {
        /// <summary>The next part; empty at the end.</summary>
        ValueTask<ReadOnlyMemory<byte>> NextAsync(CancellationToken cancellationToken);

        void Release(ReadOnlyMemory<byte> part);
    }

    /// <summary>Slices of a buffer the caller already holds: no copies.</summary>
    private sealed class MemoryPartSource(ReadOnlyMemory<byte> data, int partSize) : IPartSource
    {
        private int _offset;

        public ValueTask<ReadOnlyMemory<byte>> NextAsync(CancellationToken cancellationToken)
        {
            var part = data.Slice(_offset, Math.Min(partSize, data.Length - _offset));
            _offset += part.Length;
            return ValueTask.FromResult(part);
        }

        public void Release(ReadOnlyMemory<byte> part)
        {
        }
    }

    /// <summary>Parts read from a stream into pooled buffers: one per part in flight, plus the one filling.</summary>
    private sealed class StreamPartSource(Stream stream, int partSize) : IPartSource, IDisposable
    {
        private readonly List<byte[]> _rented = [];
        private ReadOnlyMemory<byte>? _pushedBack;

        public async ValueTask<ReadOnlyMemory<byte>> NextAsync(CancellationToken cancellationToken)
        {
            if (_pushedBack is { } pushed)
            {
                _pushedBack = null;
                return pushed;
            }

            var buffer = ArrayPool<byte>.Shared.Rent(partSize);
            _rented.Add(buffer);
            var read = await stream.ReadAtLeastAsync(buffer.AsMemory(0, partSize), partSize, throwOnEndOfStream: false, cancellationToken)
                .ConfigureAwait(false);
            return buffer.AsMemory(0, read);
        }

        public void PushBack(ReadOnlyMemory<byte> part) => _pushedBack = part;

        public void Release(ReadOnlyMemory<byte> part)
        {
            if (MemoryMarshal.TryGetArray(part, out var segment) && _rented.Remove(segment.Array!))
            {
                ArrayPool<byte>.Shared.Return(segment.Array!);
            }
        }

        public void Dispose()
        {
            foreach (var buffer in _rented)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            _rented.Clear();
        }
    }
}
