using Milvus.Akka.Server;

NodeOptions options;
try
{
    options = NodeOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

MilvusNode started;
try
{
    started = await MilvusNode.StartAsync(options);
}
catch (Exception e)
{
    Console.Error.WriteLine($"Milvus.Akka could not start: {StartupFailure.Describe(e)}");
    return 1;
}

await using var node = started;
var stop = new TaskCompletionSource();
// SIGTERM and Ctrl-C run CoordinatedShutdown through DisposeAsync: acknowledged writes are already in the WAL.
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.TrySetResult();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.TrySetResult();
_ = node.System.WhenTerminated.ContinueWith(_ => stop.TrySetResult());
Console.WriteLine($"Milvus.Akka is running with roles [{string.Join(", ", options.Roles)}] on {node.Address}; data in {Path.GetFullPath(options.DataDir)}. Ctrl-C stops it.");
await stop.Task;
return 0;
