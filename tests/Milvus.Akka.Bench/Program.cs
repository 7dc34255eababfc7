using Milvus.Akka.Bench;

// End-to-end bench CLI (see README.md): the standalone server through gRPC beside the in-process index.
if (args is ["--help"] or ["-h"])
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

try
{
    await BenchCommand.RunAsync(args, Console.Out, Console.Error);
    return 0;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}
