using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Milvus.Akka.Storage.S3;
using Milvus.Akka.TestSupport;

// Usage: dotnet run -c Release --project tests/Milvus.Akka.Storage.Bench [-- ROUNDS [SIZE_MB]]
// Starts its own s3rver (tests/setup/services.sh installs it) on a free 127.0.0.1 port, then moves the same file
// through S3ObjectStore (upload from memory, download to a file, GetAsync into memory, and an upload in one PUT) and
// through curl, alternating, and prints median/min/max MB/s per client and operation.
var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
var sizeMb = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 64;
const string Bucket = "bench";

using var work = new TempDirectory("s3-bench");
var source = Path.Combine(work.Path, "segment.bin");
var payload = new byte[sizeMb << 20];
new Random(42).NextBytes(payload);
await File.WriteAllBytesAsync(source, payload);
var expected = Convert.ToHexString(SHA256.HashData(payload));

await using var s3 = new S3rverServer();
await s3.StartAsync();
// The production part size and threshold, not the test servers' small parts.
var defaults = new S3ObjectStoreOptions { Bucket = Bucket };
await using var store = new S3ObjectStore(s3.Options(Bucket) with
{
    RootPath = "",
    RequestTimeout = TimeSpan.FromMinutes(5),
    PartSize = defaults.PartSize,
    MultipartThreshold = defaults.MultipartThreshold,
});
// The same object in one PUT, as curl sends it: s3rver completes a multipart upload by copying every part into the
// object (S3 and MinIO do not), so this row separates the client's cost from that server-side copy.
await using var singlePut = new S3ObjectStore(store.Options with { MultipartThreshold = S3ObjectStoreOptions.MaxSinglePutSize });
// Creates the bucket, so that curl's first PUT does not depend on the store having run first.
await store.PutAsync("warm-up", new byte[1]);

var results = new Dictionary<string, List<double>>();
for (var round = 0; round < rounds; round++)
{
    var downloaded = Path.Combine(work.Path, "downloaded.bin");
    await MeasureAsync("S3ObjectStore", "upload", () => store.PutAsync($"store/{round}", payload));
    await MeasureAsync("S3ObjectStore", "download", () => store.DownloadToFileAsync($"store/{round}", downloaded));
    Verify(downloaded);
    byte[] read = [];
    await MeasureAsync("S3ObjectStore", "get", async () => read = await store.GetAsync($"store/{round}"));
    VerifyBytes(read);
    await MeasureAsync("store (1 PUT)", "upload", () => singlePut.PutAsync($"single/{round}", payload));

    var url = $"{s3.Url}/{Bucket}/curl/{round}";
    await MeasureAsync("curl", "upload", () => CurlAsync("-X", "PUT", "--upload-file", source, url));
    await MeasureAsync("curl", "download", () => CurlAsync("-o", downloaded, url));
    Verify(downloaded);
}

Console.WriteLine($"{sizeMb} MB objects, {rounds} rounds, s3rver on 127.0.0.1 (MB/s: median [min, max])");
Console.WriteLine($"| {"client",-14} | {"operation",-9} | {"median",8} | {"min",8} | {"max",8} |");
Console.WriteLine($"|{new string('-', 16)}|{new string('-', 11)}|{new string('-', 10)}|{new string('-', 10)}|{new string('-', 10)}|");
foreach (var (name, speeds) in results)
{
    var sorted = speeds.Order().ToList();
    var parts = name.Split('|');
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {parts[0],-14} | {parts[1],-9} | {sorted[sorted.Count / 2],8:F1} | {sorted[0],8:F1} | {sorted[^1],8:F1} |"));
}

async Task MeasureAsync(string client, string operation, Func<Task> run)
{
    var watch = Stopwatch.StartNew();
    await run();
    var speed = sizeMb / watch.Elapsed.TotalSeconds;
    var key = client + "|" + operation;
    if (!results.TryGetValue(key, out var list))
    {
        results[key] = list = [];
    }

    list.Add(speed);
}

// A 200 is no proof with s3rver (stack-notes: it can store a request body verbatim): every download is checked.
void Verify(string path)
{
    using var stream = File.OpenRead(path);
    Check(SHA256.HashData(stream), path);
}

void VerifyBytes(byte[] bytes) => Check(SHA256.HashData(bytes), "GetAsync's buffer");

void Check(byte[] hash, string what)
{
    var actual = Convert.ToHexString(hash);
    if (actual != expected)
    {
        throw new InvalidOperationException($"{what} has SHA-256 {actual}, uploaded {expected}");
    }
}

// SigV4-signed like the SDK (s3rver accepts unsigned requests too, but a real server would not).
static async Task CurlAsync(params string[] arguments)
{
    var info = new ProcessStartInfo("curl") { RedirectStandardError = true, UseShellExecute = false };
    foreach (var argument in (string[])["-sS", "--fail", "--aws-sigv4", "aws:amz:us-east-1:s3", "--user", "S3RVER:S3RVER",
                 "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", .. arguments])
    {
        info.ArgumentList.Add(argument);
    }

    using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start curl");
    var error = await process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"curl {string.Join(' ', arguments)} failed ({process.ExitCode}): {error}");
    }
}
