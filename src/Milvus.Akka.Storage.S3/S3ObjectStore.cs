using System.Buffers;
using System.Net;
using System.Runtime.InteropServices;
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
/// for ranges past the end, IoFailed naming the operation, key and S3 error code otherwise.
/// </summary>
public sealed class S3ObjectStore : IObjectStore
{
    private readonly AmazonS3Client _client;
    private readonly S3ObjectStoreOptions _options;
    private readonly string _keyPrefix;
    private readonly SemaphoreSlim _bucketGate = new(1, 1);
    private volatile bool _bucketReady;

    public S3ObjectStore(S3ObjectStoreOptions options)
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
        return data.Length <= _options.PartSize
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

    public Task<byte[]> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var objectKey = ObjectKey(key);
        return RunAsync("GET", key, async ct =>
        {
            using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _options.Bucket, Key = objectKey }, ct)
                .ConfigureAwait(false);
            if (response.ContentLength > Array.MaxLength)
            {
                throw new MilvusException(ErrorCode.ParameterTooLarge,
                    $"object '{key}' has {response.ContentLength} bytes, too many for one buffer: download it to a file instead");
            }

            var buffer = new byte[response.ContentLength];
            await response.ResponseStream.ReadExactlyAsync(buffer, ct).ConfigureAwait(false);
            return buffer;
        }, cancellationToken);
    }

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

    public Task DownloadToFileAsync(string key, string path, CancellationToken cancellationToken = default)
    {
        var objectKey = ObjectKey(key);
        var target = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(directory);
        return RunAsync("download of", key, async ct =>
        {
            // Written beside the target and renamed over it: a failed download never leaves a plausible partial file.
            var temp = Path.Combine(directory, $".~{Guid.NewGuid():N}.tmp");
            try
            {
                using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _options.Bucket, Key = objectKey }, ct)
                    .ConfigureAwait(false);
                var output = new FileStream(temp, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    Options = FileOptions.Asynchronous,
                    PreallocationSize = response.ContentLength,
                    BufferSize = 0,
                });
                await using (output.ConfigureAwait(false))
                {
                    await response.ResponseStream.CopyToAsync(output, 1 << 20, ct).ConfigureAwait(false);
                    if (output.Length != response.ContentLength)
                    {
                        throw new IOException($"the body of '{key}' ended after {output.Length} of {response.ContentLength} bytes");
                    }

                    output.Flush(flushToDisk: true);
                }

                File.Move(temp, target, overwrite: true);
                return true;
            }
            finally
            {
                File.Delete(temp);
            }
        }, cancellationToken);
    }

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

    private async Task PutMultipartAsync(string key, string objectKey, IPartSource source, CancellationToken cancellationToken)
    {
        var uploadId = (await RunAsync("multipart start of", key, ct => _client.InitiateMultipartUploadAsync(
            new InitiateMultipartUploadRequest { BucketName = _options.Bucket, Key = objectKey }, ct), cancellationToken).ConfigureAwait(false)).UploadId;
        try
        {
            var parts = new List<PartETag>();
            var part = await source.NextAsync(cancellationToken).ConfigureAwait(false);
            while (part.Length > 0)
            {
                var upload = UploadPartAsync(key, objectKey, uploadId, parts.Count + 1, part, cancellationToken);
                ReadOnlyMemory<byte> next;
                try
                {
                    next = await source.NextAsync(cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    // Never leave the upload running unobserved, whichever of the two failed.
                    parts.Add(await upload.ConfigureAwait(false));
                }

                source.Release(part);
                part = next;
            }

            await RunAsync("multipart completion of", key, ct => _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _options.Bucket,
                Key = objectKey,
                UploadId = uploadId,
                PartETags = parts,
            }, ct), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await AbortQuietlyAsync(objectKey, uploadId).ConfigureAwait(false);
            throw;
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
            catch (Exception e) when (e is not MilvusException && !cancellationToken.IsCancellationRequested && Translate(operation, key, e, attempt) is { } error)
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

    private static MilvusException BeyondEnd(string key, long offset, int length, string size) =>
        new(ErrorCode.IoUnexpectEof, $"range [{offset}, {offset + length}) is beyond the end of object '{key}' ({size} bytes)");

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

    /// <summary>Parts read from a stream into pooled buffers; at most two are held (one uploading, one filling).</summary>
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
