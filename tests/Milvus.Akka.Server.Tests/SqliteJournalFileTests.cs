using Akka.Configuration;
using Microsoft.Data.Sqlite;

namespace Milvus.Akka.Server.Tests;

/// <summary>The embedded journal's file gets the shipped layout, and its commits stay fsync'd before they return.</summary>
public sealed class SqliteJournalFileTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("milvus-journal-file-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }

    private Config Load(string? extraConfig = null) =>
        MilvusConfig.Load(new NodeOptions { DataDir = _dataDir, ExtraConfig = extraConfig });

    // A fresh connection, as the journal plugin opens one: it sees what the file stores and SQLite's own defaults.
    private long Pragma(string name)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_dataDir, "journal.db")}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {name}";
        return command.ExecuteScalar() switch { string text => text == "wal" ? 1 : 0, var value => Convert.ToInt64(value) };
    }

    [Theory]
    [InlineData(null, 1, 65536)] // shipped: WAL, 64 KiB pages
    [InlineData("milvus.sqlite-journal { journal-mode = delete, page-size = 4096 }", 0, 4096)]
    public void The_file_gets_the_configured_layout_and_a_full_sync_on_every_commit(string? extraConfig, long wal, long pageSize)
    {
        var config = Load(extraConfig);
        SqliteJournalFile.From(config).Apply(config);

        Assert.Equal((wal, pageSize), (Pragma("journal_mode"), Pragma("page_size")));
        // 2 = FULL: the commit is fsync'd before it returns, so an acknowledged write survives power loss.
        Assert.Equal(2, Pragma("synchronous"));
    }

    [Fact]
    public void Another_journal_plugin_leaves_the_file_alone()
    {
        var config = Load("akka.persistence.journal.plugin = \"akka.persistence.journal.kafka\"");
        SqliteJournalFile.From(config).Apply(config);

        Assert.False(File.Exists(Path.Combine(_dataDir, "journal.db")));
    }

    [Fact]
    public void An_unknown_journal_mode_is_refused_by_name()
    {
        var error = Assert.Throws<ConfigurationException>(() => SqliteJournalFile.From(Load("milvus.sqlite-journal.journal-mode = memory")));
        Assert.Contains("journal-mode", error.Message);
    }
}
