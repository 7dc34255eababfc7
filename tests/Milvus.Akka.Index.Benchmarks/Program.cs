using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// Micro benchmarks of the index engine's hot paths. Not part of the test run.
// Usage: dotnet run -c Release --project tests/Milvus.Akka.Index.Benchmarks -- --filter '*'
// Short runs in process: rebuilding a boilerplate project per benchmark exceeds BenchmarkDotNet's build timeout
// on a busy shared machine, and these kernels need no process isolation.
var config = DefaultConfig.Instance.AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
BenchmarkSwitcher.FromAssembly(typeof(Milvus.Akka.Index.Benchmarks.DistanceBenchmarks).Assembly).Run(args, config);
