using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Proxy.Import;

namespace Milvus.Akka.Proxy;

/// <summary>
/// Bulk import (Milvus's Import rpc): this proxy reads the named JSON, Parquet, CSV or NumPy files from the cluster's object storage, checks every
/// row of every file, and only then inserts them through the WAL like any insert and flushes them. So a file with a bad
/// row fails the job before any row is written; a failure while writing (the collection dropped, the node stopping)
/// leaves the rows written so far. The coordinator keeps the job (<see cref="ImportJob"/>) and fails it when this node
/// leaves the cluster.
/// </summary>
public sealed partial class MilvusProxy
{
    private const string JsonExtension = ".json";
    private const string ParquetExtension = ".parquet";
    private const string CsvExtension = ".csv";

    /// <summary>Records the job and starts it in the background; returns it pending.</summary>
    public async Task<ImportJob> ImportAsync(string? database, string collection, string? partition, IReadOnlyList<string> files,
        IReadOnlyDictionary<string, string> options, CancellationToken cancellationToken = default)
    {
        var info = await ResolveCollectionAsync(database, collection, cancellationToken: cancellationToken);
        CheckImportFiles(files);
        var csv = CsvOptions.From(options);
        if (options.TryGetValue("backup", out var backup) && bool.TryParse(backup, out var isBackup) && isBackup)
        {
            throw new MilvusException(ErrorCode.OperationNotSupported, "importing a backup (the backup option) is not supported by Milvus.Akka; import JSON, Parquet, CSV or NumPy files");
        }

        // Checked now, as the writes will check it, so that a job is not accepted only to fail.
        WritePartition(info, partition);

        var job = await Coordinator<ImportJob>(new CreateImportJob(Db(database), info.Id, info.Name, partition ?? "", [.. files], importNode),
            cancellationToken);
        _ = Task.Run(() => RunImportAsync(job, csv), CancellationToken.None);
        return job;
    }

    /// <exception cref="MilvusException">ImportFailed when there is no such job (never created, or forgotten after its retention).</exception>
    public async Task<ImportJob> GetImportJobAsync(long jobId, CancellationToken cancellationToken = default)
    {
        var job = await Coordinator<ImportJob>(new GetImportJob(jobId), cancellationToken);
        return job.Snapshot.Length == 0 ? job : throw new MilvusException(ErrorCode.ImportFailed, $"import job {jobId} not found: it restores snapshot {job.Snapshot}");
    }

    /// <summary>The jobs of a collection, or of every collection of the database when <paramref name="collection"/> is empty, oldest first.</summary>
    public async Task<ImmutableArray<ImportJob>> ListImportJobsAsync(string? database, string? collection, int limit,
        CancellationToken cancellationToken = default)
    {
        var collectionId = string.IsNullOrEmpty(collection) ? 0 : (await ResolveCollectionAsync(database, collection, cancellationToken: cancellationToken)).Id;
        return (await Coordinator<ImportJobList>(new ListImportJobs(Db(database), collectionId, limit), cancellationToken)).Jobs;
    }

    private void CheckImportFiles(IReadOnlyList<string> files)
    {
        if (files.Count == 0)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "import needs at least one file");
        }

        if (files.Count > settings.Import.MaxFiles)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"an import may name at most {settings.Import.MaxFiles} files, got {files.Count}");
        }

        var numpy = files.Count(IsNumpy);
        if (numpy > 0 && numpy < files.Count)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"inconsistency in file types, ({files.First(IsNumpy)}) vs ({files.First(f => !IsNumpy(f))}): NumPy files, one per field, make an import of their own");
        }

        foreach (var file in files)
        {
            if (Path.GetExtension(file).ToLowerInvariant() is not (JsonExtension or ParquetExtension or CsvExtension or NumpyImportRows.Extension))
            {
                throw new MilvusException(ErrorCode.ParameterInvalid,
                    $"unexpected file type, files=[{file}]: an import file ends in {JsonExtension}, {ParquetExtension}, {CsvExtension} or {NumpyImportRows.Extension}");
            }
        }
    }

    private static bool IsNumpy(string file) => Path.GetExtension(file).Equals(NumpyImportRows.Extension, StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads and checks every file, then writes their rows.</summary>
    private Task RunImportAsync(ImportJob job, CsvOptions csv) => RunJobAsync(job, async (info, progress) =>
    {
        var batches = await ReadImportFilesAsync(job, info, csv);
        progress.Total = batches.Sum(b => (long)b.RowCount);
        await progress.ReportAsync();
        var partition = job.Partition.Length == 0 ? null : job.Partition;
        for (var i = 0; i < batches.Count; i++)
        {
            var batch = await WithAutoIdsAsync(info.Schema, batches[i], CancellationToken.None);
            var timestamp = await WriteTimestampAsync(info, CancellationToken.None);
            await WriteRowsAsync(info, batch, partition, timestamp, $"import-{job.JobId}-{i}", CancellationToken.None);
            await progress.WroteAsync(batch.RowCount);
        }
    });

    /// <summary>
    /// Runs a job of this proxy's (a bulk import or a snapshot restore) once one of its job slots is free: checks that its
    /// collection is still the one it was accepted for, has <paramref name="write"/> write the rows, flushes them, and
    /// reports every outcome to the coordinator, none thrown.
    /// </summary>
    private async Task RunJobAsync(ImportJob job, Func<CollectionInfo, JobProgress, Task> write)
    {
        var progress = new JobProgress(this, job);
        await _importSlots.WaitAsync();
        try
        {
            await progress.ReportAsync();
            var info = await ResolveCollectionAsync(job.Database, job.CollectionName);
            if (info.Id != job.CollectionId)
            {
                throw new MilvusException(ErrorCode.CollectionNotFound,
                    $"collection {job.CollectionName} was dropped after the {(job.Snapshot.Length == 0 ? "import" : "restore")} was accepted");
            }

            await write(info, progress);
            if (progress.Written > 0)
            {
                await FlushAsync(job.Database, job.CollectionName);
            }

            await ReportImportAsync(job, ImportJobState.Completed, progress.Total, progress.Written);
        }
        catch (Exception e)
        {
            try
            {
                // A bug is named, not dumped: the reason is shown to clients.
                await ReportImportAsync(job, ImportJobState.Failed, progress.Total, progress.Written,
                    e is MilvusException ? e.Message : $"{e.GetType().Name}: {e.Message}");
            }
            catch (MilvusException)
            {
                // The coordinator already gave the job up (this node was taken for gone), or cannot be reached: its
                // record says so either way, or will once this node leaves.
            }
        }
        finally
        {
            _importSlots.Release();
        }
    }

    /// <summary>The rows a running job has to write and has written, reported to the coordinator as they change.</summary>
    private sealed class JobProgress(MilvusProxy proxy, ImportJob job)
    {
        public long Total { get; set; }

        public long Written { get; private set; }

        public Task ReportAsync() => proxy.ReportImportAsync(job, ImportJobState.Importing, Total, Written);

        public Task WroteAsync(int rows)
        {
            Written += rows;
            return ReportAsync();
        }
    }

    /// <summary>Every row of every file, read and checked: batches ready to write but for auto-id keys.</summary>
    private async Task<List<RowBatch>> ReadImportFilesAsync(ImportJob job, CollectionInfo info, CsvOptions csv)
    {
        var timezone = Timestamptz.ZoneOf(info.Properties);
        long size = 0;
        foreach (var file in job.Files)
        {
            size += (await objects.StatAsync(file) ?? throw new MilvusException(ErrorCode.ImportFailed, $"file {file} is not in object storage")).Size;
        }

        if (size > settings.Import.MaxJobBytes)
        {
            throw new MilvusException(ErrorCode.ImportFailed,
                $"the files of import job {job.JobId} hold {size} bytes, more than milvus.proxy.import.max-job-size ({settings.Import.MaxJobBytes}): " +
                "they are read into memory whole; split them over several jobs");
        }

        var batches = new List<RowBatch>();
        if (job.Files.All(IsNumpy))
        {
            var columns = new List<(string, byte[])>();
            foreach (var file in job.Files)
            {
                columns.Add((file, await objects.GetAsync(file)));
            }

            await CheckAsync("NumPy import", NumpyImportRows.Read(columns, info.Schema, timezone, settings.Import.BatchRows));
            return batches;
        }

        foreach (var file in job.Files)
        {
            var bytes = await objects.GetAsync(file);
            await CheckAsync($"file {file}", Path.GetExtension(file).ToLowerInvariant() switch
            {
                ParquetExtension => ParquetImportRows.Read(bytes, info.Schema, timezone, settings.Import.BatchRows),
                CsvExtension => CsvImportRows.Read(bytes, info.Schema, timezone, settings.Import.BatchRows, csv),
                _ => JsonImportRows.Read(bytes, info.Schema, timezone, settings.Import.BatchRows),
            });
        }

        return batches;

        // Checks a source's rows as the insert path would, naming the source and the rows of a failure.
        async Task CheckAsync(string source, IEnumerable<IReadOnlyDictionary<string, Column>> rows)
        {
            var first = 0;
            var checking = 0;
            try
            {
                foreach (var batch in rows)
                {
                    checking = batch.Values.First().Count;
                    batches.Add(await ValidateRowsAsync(info.Schema, batch, CancellationToken.None));
                    first += checking;
                    checking = 0;
                }
            }
            catch (MilvusException e)
            {
                // The readers name rows by their place in the file, the insert checks by their place in the batch.
                var where = checking > 0 ? $", rows {first} to {first + checking - 1}" : "";
                throw new MilvusException(e.Code, $"{source}{where}: {e.Message}");
            }
        }
    }

    /// <summary>Jobs this proxy runs at once (<c>milvus.proxy.import.max-running-jobs</c>): an import holds its files' rows in memory.</summary>
    private readonly SemaphoreSlim _importSlots = new(settings.Import.MaxRunningJobs);

    private Task<ImportJob> ReportImportAsync(ImportJob job, ImportJobState state, long total, long imported, string reason = "") =>
        Coordinator<ImportJob>(new ReportImportProgress(job.JobId, state, total, imported, reason));
}
