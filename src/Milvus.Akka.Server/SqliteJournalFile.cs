using Akka.Configuration;
using Microsoft.Data.Sqlite;

namespace Milvus.Akka.Server;

/// <summary>
/// Typed view of <c>milvus.sqlite-journal</c>: the layout of the embedded journal's database file, set before the
/// journal plugin first opens it (the plugin's connection string cannot carry pragmas).
/// </summary>
public sealed record SqliteJournalFile(string JournalMode, int PageSize)
{
    private const string JournalPath = "akka.persistence.journal.sql";

    public static SqliteJournalFile From(Config config)
    {
        var c = config.GetConfig("milvus.sqlite-journal");
        var mode = c.GetString("journal-mode", "wal");
        if (mode is not ("wal" or "delete"))
        {
            throw new ConfigurationException($"milvus.sqlite-journal.journal-mode must be wal or delete, not {mode}");
        }

        return new SqliteJournalFile(mode, c.GetInt("page-size", 65536));
    }

    /// <summary>
    /// Applies the layout when this node's journal is the SQLite one. The page size only takes effect on a file
    /// without tables yet (SQLite keeps an existing file's page size); the journal mode WAL is stored in the file, so
    /// the plugin's own connections use it too.
    /// </summary>
    public void Apply(Config config)
    {
        if (config.GetString("akka.persistence.journal.plugin") != JournalPath
            || !config.GetString(JournalPath + ".provider-name", "").StartsWith("SQLite", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        using var connection = new SqliteConnection(config.GetString(JournalPath + ".connection-string"));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA page_size = {PageSize}; PRAGMA journal_mode = {JournalMode};";
        var mode = command.ExecuteScalar() as string;
        if (!string.Equals(mode, JournalMode, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"the SQLite journal refused journal_mode {JournalMode} (it reports {mode})");
        }
    }
}
