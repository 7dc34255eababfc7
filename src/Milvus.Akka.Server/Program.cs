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

await using var node = await MilvusNode.StartAsync(options);
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
