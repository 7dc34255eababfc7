using Xunit.Abstractions;

namespace Milvus.Akka.Persistence.Kafka.Tests;

/// <summary>The conformance suite against the embedded journal (Akka.Persistence.Sql on SQLite), configured by hocon/persistence.sqlite.hocon.</summary>
public sealed class SqliteJournalSpec(ITestOutputHelper output) : JournalConformanceSpec(TestConfig.Sqlite(DataDirectory.Create()), output)
{
    // Akka.Persistence.Sql stores the uuid of the journal instance, not of the persistent actor's incarnation.
    protected override bool KeepsWriterGuid => false;

    // It returns the serializer manifest in place of the event adapter manifest.
    protected override bool KeepsAdapterManifest => false;
}

/// <summary>A fresh data directory per test; removed when the test process ends.</summary>
internal static class DataDirectory
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "milvus-journal-tests-" + Environment.ProcessId);

    static DataDirectory() => AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(Root, recursive: true);

    public static string Create() => Directory.CreateDirectory(Path.Combine(Root, Guid.NewGuid().ToString("N"))).FullName;
}
