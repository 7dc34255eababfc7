namespace Milvus.Akka.Server.Tests;

/// <summary>
/// Tests that run whole clusters or server processes go one at a time, after the parallel ones: on a 2-core machine
/// several of them at once starve the failure detector and time out for reasons no product change would fix.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "heavy, one at a time";
}
