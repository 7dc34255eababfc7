namespace Milvus.Akka.Server.Tests;

/// <summary>Counts a reader loop's successful and failed reads, and keeps the first failure.</summary>
public sealed class ReadTally
{
    private int _succeeded;
    private int _failed;

    public int Succeeded => Volatile.Read(ref _succeeded);

    public int Failed => Volatile.Read(ref _failed);

    public int Total => Succeeded + Failed;

    public string? FirstFailure { get; private set; }

    public void Success() => Interlocked.Increment(ref _succeeded);

    public void Failure(string reason)
    {
        FirstFailure ??= reason;
        Interlocked.Increment(ref _failed);
    }
}
