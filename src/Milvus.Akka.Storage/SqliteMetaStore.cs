using Microsoft.Data.Sqlite;
using Milvus.Akka.Common;

namespace Milvus.Akka.Storage;

/// <summary>
/// Meta storage in one SQLite file, with etcd's semantics: a global revision counter that every write or
/// transaction advances by one, each key's ModRevision, prefix ranges in key (byte) order and all-or-nothing
/// compare-and-swap transactions. WAL journaling with synchronous=FULL makes every acknowledged write survive a
/// process or machine crash. One connection serves all callers, one operation at a time.
/// </summary>
public sealed class SqliteMetaStore : IMetaStore
{
    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private SqliteMetaStore(SqliteConnection connection) => _connection = connection;

    public string Path => _connection.DataSource;

    /// <summary>Opens (creating if needed) the store at <paramref name="path"/>.</summary>
    public static SqliteMetaStore Open(string path)
    {
        // No pooling: disposing the store must release the file so it can be reopened, moved or deleted.
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, """
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = FULL;
                PRAGMA busy_timeout = 10000;
                CREATE TABLE IF NOT EXISTS kv (key TEXT NOT NULL PRIMARY KEY, value BLOB NOT NULL, mod_revision INTEGER NOT NULL) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS revision (id INTEGER NOT NULL PRIMARY KEY CHECK (id = 0), value INTEGER NOT NULL);
                INSERT OR IGNORE INTO revision (id, value) VALUES (0, 0);
                """);
            return new SqliteMetaStore(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>The store's current revision: that of the latest write (0 for an empty new store).</summary>
    public Task<long> GetRevisionAsync(CancellationToken cancellationToken = default) =>
        RunAsync(() => ReadRevision(null), cancellationToken);

    public Task<MetaEntry?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        RunAsync(() =>
        {
            using var command = Command("SELECT value, mod_revision FROM kv WHERE key = $key", null);
            command.Parameters.AddWithValue("$key", key);
            using var reader = command.ExecuteReader();
            return reader.Read() ? new MetaEntry(key, (byte[])reader[0], reader.GetInt64(1)) : null;
        }, cancellationToken);

    public Task<IReadOnlyList<MetaEntry>> RangeAsync(string prefix, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<MetaEntry>>(() =>
        {
            // Keys sharing a prefix are contiguous in byte order: scan from the prefix and stop at the first key without it.
            using var command = Command("SELECT key, value, mod_revision FROM kv WHERE key >= $prefix ORDER BY key", null);
            command.Parameters.AddWithValue("$prefix", prefix);
            using var reader = command.ExecuteReader();
            var result = new List<MetaEntry>();
            while (reader.Read())
            {
                var key = reader.GetString(0);
                if (!key.StartsWith(prefix, StringComparison.Ordinal))
                {
                    break;
                }

                result.Add(new MetaEntry(key, (byte[])reader[1], reader.GetInt64(2)));
            }

            return result;
        }, cancellationToken);

    public Task<long> PutAsync(string key, byte[] value, CancellationToken cancellationToken = default) =>
        RunAsync(() =>
        {
            using var transaction = _connection.BeginTransaction(deferred: false);
            var revision = ReadRevision(transaction) + 1;
            Upsert(transaction, key, value, revision);
            WriteRevision(transaction, revision);
            transaction.Commit();
            return revision;
        }, cancellationToken);

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        RunAsync(() =>
        {
            using var transaction = _connection.BeginTransaction(deferred: false);
            if (ModRevision(transaction, key) == 0)
            {
                return false;
            }

            Remove(transaction, key);
            WriteRevision(transaction, ReadRevision(transaction) + 1);
            transaction.Commit();
            return true;
        }, cancellationToken);

    public Task<bool> CommitAsync(MetaTransaction transaction, CancellationToken cancellationToken = default)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var write in transaction.Writes)
        {
            if (!keys.Add(write.Key))
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"meta transaction writes key '{write.Key}' more than once");
            }
        }

        return RunAsync(() =>
        {
            using var sqlTransaction = _connection.BeginTransaction(deferred: false);
            foreach (var compare in transaction.Compares)
            {
                if (ModRevision(sqlTransaction, compare.Key) != compare.Revision)
                {
                    return false;
                }
            }

            // Like etcd, every write of one transaction carries the same new revision.
            if (transaction.Writes.Count > 0)
            {
                var revision = ReadRevision(sqlTransaction) + 1;
                foreach (var write in transaction.Writes)
                {
                    if (write.Value is { } value)
                    {
                        Upsert(sqlTransaction, write.Key, value, revision);
                    }
                    else
                    {
                        Remove(sqlTransaction, write.Key);
                    }
                }

                WriteRevision(sqlTransaction, revision);
            }

            sqlTransaction.Commit();
            return true;
        }, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    // SQLite calls are synchronous; the gate serialises callers on the single connection.
    private async Task<T> RunAsync<T>(Func<T> operation, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return operation();
        }
        catch (SqliteException e)
        {
            throw new MilvusException(ErrorCode.IoFailed, $"meta store '{Path}' failed: {e.Message}", e);
        }
        finally
        {
            _gate.Release();
        }
    }

    private SqliteCommand Command(string sql, SqliteTransaction? transaction)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    private long ReadRevision(SqliteTransaction? transaction)
    {
        using var command = Command("SELECT value FROM revision WHERE id = 0", transaction);
        return (long)command.ExecuteScalar()!;
    }

    private void WriteRevision(SqliteTransaction transaction, long revision)
    {
        using var command = Command("UPDATE revision SET value = $value WHERE id = 0", transaction);
        command.Parameters.AddWithValue("$value", revision);
        command.ExecuteNonQuery();
    }

    /// <summary>The key's ModRevision, 0 when absent (the convention of <see cref="MetaCompare"/>).</summary>
    private long ModRevision(SqliteTransaction transaction, string key)
    {
        using var command = Command("SELECT mod_revision FROM kv WHERE key = $key", transaction);
        command.Parameters.AddWithValue("$key", key);
        return command.ExecuteScalar() is long revision ? revision : 0;
    }

    private void Upsert(SqliteTransaction transaction, string key, byte[] value, long revision)
    {
        using var command = Command("""
            INSERT INTO kv (key, value, mod_revision) VALUES ($key, $value, $revision)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value, mod_revision = excluded.mod_revision
            """, transaction);
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$value", value);
        command.Parameters.AddWithValue("$revision", revision);
        command.ExecuteNonQuery();
    }

    private void Remove(SqliteTransaction transaction, string key)
    {
        using var command = Command("DELETE FROM kv WHERE key = $key", transaction);
        command.Parameters.AddWithValue("$key", key);
        command.ExecuteNonQuery();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
