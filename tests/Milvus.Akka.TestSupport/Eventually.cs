using Xunit;

namespace Milvus.Akka.TestSupport;

/// <summary>Bounded polling for conditions a node or cluster reaches asynchronously (flushes, index builds, loads, GC).</summary>
public static class Eventually
{
    public static Task UntilAsync(Func<Task<bool>> condition, string what, int seconds = 90) =>
        UntilAsync(condition, holds => holds, what, seconds);

    /// <summary>For a condition on in-memory state the test can read synchronously.</summary>
    public static Task UntilAsync(Func<bool> condition, string what, int seconds = 90) =>
        UntilAsync(() => Task.FromResult(condition()), what, seconds);

    /// <summary>Polls until <paramref name="done"/> holds for the polled value and returns that value.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> poll, Func<T, bool> done, string what, int seconds = 90)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (true)
        {
            var value = await poll();
            if (done(value))
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, $"timed out after {seconds} s waiting until {what}");
            await Task.Delay(200);
        }
    }
}
