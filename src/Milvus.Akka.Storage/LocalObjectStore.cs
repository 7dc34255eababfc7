using Milvus.Akka.Common;

namespace Milvus.Akka.Storage;

/// <summary>
/// Object storage in a local directory (embedded and single-machine deployments): each key is a file under
/// <see cref="RootDirectory"/>. Puts write a temporary file next to the target, flush it to disk and rename it
/// over the target, so a reader (or a crash) sees either the old object or the whole new one.
/// </summary>
public sealed class LocalObjectStore : IObjectStore
{
    // Temporary files carry this prefix; keys may not use it, so listings can skip them without ambiguity.
    private const string TempPrefix = ".~";
    private const int CopyBufferSize = 1 << 20;

    public LocalObjectStore(string rootDirectory)
    {
        RootDirectory = Path.GetFullPath(rootDirectory);
        Directory.CreateDirectory(RootDirectory);
    }

    public string RootDirectory { get; }

    public Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        WriteAtomicallyAsync(PathOf(key), key, (stream, ct) => stream.WriteAsync(data, ct).AsTask(), cancellationToken);

    public Task PutAsync(string key, Stream data, CancellationToken cancellationToken = default) =>
        WriteAtomicallyAsync(PathOf(key), key, (stream, ct) => data.CopyToAsync(stream, CopyBufferSize, ct), cancellationToken);

    public async Task<byte[]> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        try
        {
            return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsNotFound(e, path))
        {
            throw NotFound(key);
        }
    }

    public async Task<byte[]> GetRangeAsync(string key, long offset, int length, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var path = PathOf(key);
        FileStream stream;
        try
        {
            stream = OpenRead(path);
        }
        catch (Exception e) when (IsNotFound(e, path))
        {
            throw NotFound(key);
        }

        await using (stream.ConfigureAwait(false))
        {
            if (offset + length > stream.Length)
            {
                throw new MilvusException(ErrorCode.IoUnexpectEof,
                    $"range [{offset}, {offset + length}) is beyond the end of object '{key}' ({stream.Length} bytes)");
            }

            var buffer = new byte[length];
            stream.Position = offset;
            await stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer;
        }
    }

    public async Task DownloadToFileAsync(string key, string path, CancellationToken cancellationToken = default)
    {
        var source = PathOf(key);
        FileStream input;
        try
        {
            input = OpenRead(source);
        }
        catch (Exception e) when (IsNotFound(e, source))
        {
            throw NotFound(key);
        }

        await using (input.ConfigureAwait(false))
        {
            // The cache file is replaced atomically too, so a crashed download never leaves a plausible-looking partial file.
            await WriteAtomicallyAsync(Path.GetFullPath(path), key, (output, ct) => input.CopyToAsync(output, CopyBufferSize, ct), cancellationToken)
                .ConfigureAwait(false);
        }
    }

    public Task<ObjectInfo?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        var file = new FileInfo(PathOf(key));
        return Task.FromResult(file.Exists ? new ObjectInfo(key, file.Length, file.LastWriteTimeUtc) : null);
    }

    public Task<IReadOnlyList<ObjectInfo>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        if (prefix.Contains('\\') || prefix.StartsWith('/') || prefix.Split('/').Any(segment => segment is "." or ".."))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"object prefix '{prefix}' is invalid: prefixes are relative, '/'-separated and free of '.' and '..' segments");
        }

        // Only the directory holding the prefix's last complete segment can contain matches.
        var lastSlash = prefix.LastIndexOf('/');
        var directory = lastSlash < 0 ? RootDirectory : Path.Combine(RootDirectory, prefix[..lastSlash]);
        var result = new List<ObjectInfo>();
        if (Directory.Exists(directory))
        {
            foreach (var file in new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (file.Name.StartsWith(TempPrefix, StringComparison.Ordinal))
                {
                    continue;
                }

                var key = Path.GetRelativePath(RootDirectory, file.FullName).Replace(Path.DirectorySeparatorChar, '/');
                if (key.StartsWith(prefix, StringComparison.Ordinal) && Describe(key, file) is { } info)
                {
                    result.Add(info);
                }
            }
        }

        result.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return Task.FromResult<IReadOnlyList<ObjectInfo>>(result);
    }

    /// <summary>The object's size and time; null when it was deleted after the listing found it (as if listed a moment later).</summary>
    private static ObjectInfo? Describe(string key, FileInfo file)
    {
        try
        {
            return new ObjectInfo(key, file.Length, file.LastWriteTimeUtc);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            File.Delete(PathOf(key));
        }
        catch (DirectoryNotFoundException)
        {
            // The key's directory never existed: the object is absent, which is what a delete asks for.
        }

        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private string PathOf(string key)
    {
        ValidateKey(key);
        return Path.Combine(RootDirectory, key);
    }

    private static void ValidateKey(string key)
    {
        if (string.IsNullOrEmpty(key))
        {
            throw InvalidKey(key, "the key is empty");
        }

        if (key.Contains('\\'))
        {
            throw InvalidKey(key, "keys are '/'-separated and may not contain backslashes");
        }

        if (key.StartsWith('/'))
        {
            throw InvalidKey(key, "keys are relative paths");
        }

        if (key.Contains('\0'))
        {
            throw InvalidKey(key, "keys may not contain NUL characters");
        }

        foreach (var segment in key.Split('/'))
        {
            if (segment.Length == 0)
            {
                throw InvalidKey(key, "keys may not contain empty path segments");
            }

            if (segment is "." or "..")
            {
                throw InvalidKey(key, "keys may not contain '.' or '..' segments");
            }

            if (segment.StartsWith(TempPrefix, StringComparison.Ordinal))
            {
                throw InvalidKey(key, $"path segments starting with '{TempPrefix}' are reserved for temporary files");
            }
        }
    }

    private static async Task WriteAtomicallyAsync(string path, string key, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(path)!;
        var temp = Path.Combine(directory, $"{TempPrefix}{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(directory);
            var stream = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                Options = FileOptions.Asynchronous,
                BufferSize = 0,
            });
            await using (stream.ConfigureAwait(false))
            {
                await write(stream, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new MilvusException(ErrorCode.IoFailed, $"writing object '{key}' failed: {e.Message}", e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static FileStream OpenRead(string path) => new(path, new FileStreamOptions
    {
        Mode = FileMode.Open,
        Access = FileAccess.Read,
        Share = FileShare.Read | FileShare.Delete,
        Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
        BufferSize = 0,
    });

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover temporary file is invisible to readers and listings.
        }
    }

    // A key whose path names a directory (because longer keys live under it) is absent as an object.
    private static bool IsNotFound(Exception e, string path) =>
        e is FileNotFoundException or DirectoryNotFoundException || (e is UnauthorizedAccessException && Directory.Exists(path));

    private static MilvusException NotFound(string key) => new(ErrorCode.IoKeyNotFound, $"object '{key}' not found");

    private static MilvusException InvalidKey(string key, string reason) => new(ErrorCode.ParameterInvalid, $"object key '{key}' is invalid: {reason}");
}
