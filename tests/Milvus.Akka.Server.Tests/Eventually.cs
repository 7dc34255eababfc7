namespace Milvus.Akka.Server.Tests;

/// <summary>Bounded polling for conditions the cluster reaches asynchronously (flushes, index builds, loads, GC).</summary>
public static class Eventually
{
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, int seconds = 90)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(200);
        }
    }
}
