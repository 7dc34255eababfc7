using System.Collections;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Milvus.Akka.Common;
using Milvus.Akka.Storage.Formats;
using Milvus.Akka.Storage.Segments;

namespace Milvus.Akka.Storage.Tests;

public sealed class SegmentStoreTests : IDisposable
{
    private const long Collection = 7, Partition = 8, Segment = 9;
    private const int Rows = 300;

    private readonly TempDirectory _dir = new();
    private readonly LocalObjectStore _store;

    public SegmentStoreTests() => _store = new LocalObjectStore(_dir.Path);

    public void Dispose() => _dir.Dispose();

    private static FieldSchema Field(long id, DataType type, bool nullable = false, DataType element = DataType.None, int dim = 0) => new()
    {
        FieldId = id,
        Name = "f" + id,
        DataType = type,
        Nullable = nullable,
        ElementType = element,
        IsPrimaryKey = id == 100,
        TypeParams = dim == 0
            ? ImmutableSortedDictionary<string, string>.Empty
            : ImmutableSortedDictionary<string, string>.Empty.Add(FieldSchema.DimKey, dim.ToString(CultureInfo.InvariantCulture)),
    };

    private static readonly CollectionSchema EveryType = new()
    {
        Name = "every_type",
        EnableDynamicField = true,
        Fields =
        [
            Field(100, DataType.Int64),
            Field(101, DataType.Bool, nullable: true),
            Field(102, DataType.Int8),
            Field(103, DataType.Int32, nullable: true),
            Field(104, DataType.Int64, nullable: true),
            Field(105, DataType.Float, nullable: true),
            Field(106, DataType.Double),
            Field(107, DataType.VarChar, nullable: true),
            Field(108, DataType.Json, nullable: true),
            Field(109, DataType.Array, nullable: true, element: DataType.Int32),
            Field(110, DataType.Array, element: DataType.VarChar),
            Field(111, DataType.Array, element: DataType.Bool),
            Field(112, DataType.Array, element: DataType.Double),
            Field(113, DataType.Array, element: DataType.Int64),
            Field(114, DataType.Array, element: DataType.Float),
            Field(115, DataType.FloatVector, nullable: true, dim: 16),
            Field(116, DataType.BinaryVector, nullable: true, dim: 32),
            Field(117, DataType.Json) with { Name = CollectionSchema.DynamicFieldName, IsDynamic = true },
            Field(118, DataType.Float16Vector, dim: 8),
            Field(119, DataType.BFloat16Vector, dim: 8),
            Field(120, DataType.Int8Vector, nullable: true, dim: 8),
            Field(121, DataType.SparseFloatVector, nullable: true),
            Field(123, DataType.Array, element: DataType.VarChar) with { StructFieldId = 122, Name = "s[text]" },
            Field(124, DataType.ArrayOfVector, element: DataType.FloatVector, dim: 3) with { StructFieldId = 122, Name = "s[emb]" },
            Field(125, DataType.ArrayOfVector, element: DataType.BFloat16Vector, dim: 2) with { StructFieldId = 122, Name = "s[half]" },
        ],
        StructFields = [new StructFieldSchema { FieldId = 122, Name = "s" }],
    };

    private static SegmentData EveryTypeData(int rows, int seed)
    {
        var random = new Random(seed);
        bool[] Validity() => Enumerable.Range(0, rows).Select(_ => random.Next(4) != 0).ToArray();
        T[] Values<T>(Func<T> next) => Enumerable.Range(0, rows).Select(_ => next()).ToArray();
        string[] pieces = ["a", "b", "c", "é", "漢", "😀"];
        string Text() => string.Concat(Enumerable.Range(0, random.Next(0, 12)).Select(_ => pieces[random.Next(pieces.Length)]));
        Array[] Arrays<T>(Func<T> next) => Enumerable.Range(0, rows).Select(_ => (Array)Enumerable.Range(0, random.Next(0, 5)).Select(_ => next()).ToArray()).ToArray();
        var vectors = new float[rows * 16];
        for (var i = 0; i < vectors.Length; i++)
        {
            vectors[i] = random.NextSingle() * 2 - 1;
        }

        var bits = new byte[rows * 4];
        random.NextBytes(bits);
        var columns = ImmutableDictionary.CreateBuilder<long, Column>();
        columns[100] = new ScalarColumn<long>(DataType.Int64, Values(() => random.NextInt64()));
        columns[101] = new ScalarColumn<bool>(DataType.Bool, Values(() => random.Next(2) == 1), Validity());
        columns[102] = new ScalarColumn<int>(DataType.Int8, Values(() => random.Next(-128, 128)));
        columns[103] = new ScalarColumn<int>(DataType.Int32, Values(() => random.Next()), Validity());
        columns[104] = new ScalarColumn<long>(DataType.Int64, Values(() => random.NextInt64()), Validity());
        columns[105] = new ScalarColumn<float>(DataType.Float, Values(() => random.NextSingle()), Validity());
        columns[106] = new ScalarColumn<double>(DataType.Double, Values(() => random.NextDouble() * 1e9));
        columns[107] = new StringColumn(Values(Text), Validity());
        columns[108] = new JsonColumn(Values(() => Encoding.UTF8.GetBytes($"{{\"k\":{random.Next()}}}")), Validity());
        columns[109] = new ArrayColumn(DataType.Int32, Arrays(() => random.Next()), Validity());
        columns[110] = new ArrayColumn(DataType.VarChar, Arrays(Text));
        columns[111] = new ArrayColumn(DataType.Bool, Arrays(() => random.Next(2) == 1));
        columns[112] = new ArrayColumn(DataType.Double, Arrays(() => random.NextDouble()));
        columns[113] = new ArrayColumn(DataType.Int64, Arrays(() => random.NextInt64()));
        columns[114] = new ArrayColumn(DataType.Float, Arrays(() => random.NextSingle()));
        columns[115] = new VectorColumn<float>(DataType.FloatVector, 16, vectors, Validity());
        columns[116] = new VectorColumn<byte>(DataType.BinaryVector, 32, bits, Validity());
        columns[117] = new JsonColumn(Values(() => Encoding.UTF8.GetBytes($"{{\"dyn\":\"{Text()}\"}}")));
        byte[] Bytes(int count)
        {
            var bytes = new byte[count];
            random.NextBytes(bytes);
            return bytes;
        }

        columns[118] = new VectorColumn<byte>(DataType.Float16Vector, 8, Bytes(rows * 16));
        columns[119] = new VectorColumn<byte>(DataType.BFloat16Vector, 8, Bytes(rows * 16));
        columns[120] = new VectorColumn<byte>(DataType.Int8Vector, 8, Bytes(rows * 8), Validity());
        columns[121] = new SparseVectorColumn(Values(() => Bytes(8 * random.Next(0, 5))), Validity());
        // A struct's elements: the same count per row in each of its sub-fields.
        var structs = Values(() => random.Next(0, 4));
        columns[123] = new ArrayColumn(DataType.VarChar, [.. structs.Select(n => Enumerable.Range(0, n).Select(_ => Text()).ToArray())]);
        columns[124] = new VectorArrayColumn(DataType.FloatVector, 3, [.. structs.Select(n => Bytes(n * 3 * sizeof(float)))]);
        columns[125] = new VectorArrayColumn(DataType.BFloat16Vector, 2, [.. structs.Select(n => Bytes(n * 2 * 2))]);
        var timestamps = Values(() => HybridTimestamp.Compose(1_700_000_000_000 + random.Next(100_000), random.Next(1000)));
        return new SegmentData(new RowBatch(columns.ToImmutable()), timestamps);
    }

    private static void AssertSameColumn(Column expected, Column actual, string field)
    {
        Assert.Equal(expected.Type, actual.Type);
        Assert.Equal(expected.Count, actual.Count);
        for (var row = 0; row < expected.Count; row++)
        {
            Assert.True(expected.IsNull(row) == actual.IsNull(row), $"field {field} row {row}: nullness differs");
            if (expected.IsNull(row))
            {
                continue;
            }

            switch (expected)
            {
                case JsonColumn json:
                    Assert.Equal(json.Values[row], ((JsonColumn)actual).Values[row]);
                    break;
                case ArrayColumn array:
                    Assert.Equal(array.Values[row].GetType(), ((ArrayColumn)actual).Values[row].GetType());
                    Assert.Equal(((IEnumerable)array.Values[row]).Cast<object>(), ((IEnumerable)((ArrayColumn)actual).Values[row]).Cast<object>());
                    break;
                default:
                    Assert.Equal(expected.GetValue(row), actual.GetValue(row));
                    break;
            }
        }
    }

    [Fact]
    public async Task Every_column_type_round_trips_value_by_value_including_nulls()
    {
        var data = EveryTypeData(Rows, seed: 1);
        var manifest = await SegmentStore.WriteAsync(_store, EveryType, Collection, Partition, Segment, data);

        Assert.Equal(Rows, manifest.RowCount);
        Assert.Equal(data.Timestamps.Min(), manifest.MinTimestamp);
        Assert.Equal(data.Timestamps.Max(), manifest.MaxTimestamp);
        Assert.Equal(EveryType.Fields.Select(f => f.FieldId).Append(SegmentStore.TimestampFieldId), manifest.Fields.Select(f => f.FieldId));

        var read = await SegmentStore.ReadAsync(_store, EveryType, manifest);
        Assert.Equal(data.Timestamps, read.Timestamps);
        Assert.Equal(data.Rows.Columns.Keys.Order(), read.Rows.Columns.Keys.Order());
        foreach (var (fieldId, column) in data.Rows.Columns)
        {
            AssertSameColumn(column, read.Rows[fieldId], fieldId.ToString(CultureInfo.InvariantCulture));
        }

        Assert.Equal(((VectorColumn<float>)data.Rows[115]).Values, ((VectorColumn<float>)read.Rows[115]).Values);
        Assert.Equal(((VectorColumn<byte>)data.Rows[116]).Values, ((VectorColumn<byte>)read.Rows[116]).Values);
    }

    [Fact]
    public async Task Every_file_is_recorded_with_its_stored_size_and_lands_under_the_documented_keys()
    {
        var manifest = await SegmentStore.WriteAsync(_store, EveryType, Collection, Partition, Segment, EveryTypeData(50, seed: 2));

        foreach (var file in manifest.Fields.Select(f => f.File).Append(manifest.Stats))
        {
            Assert.Equal(file.Size, (await _store.StatAsync(file.Key))!.Size);
            Assert.Equal(System.IO.Hashing.XxHash64.HashToUInt64(await _store.GetAsync(file.Key)), file.XxHash64);
        }

        Assert.Equal("insert_log/7/8/9/115", manifest.FindField(115)!.File.Key);
        Assert.Equal("stats_log/7/8/9/100", manifest.Stats.Key);
        var stored = await SegmentStore.ReadManifestAsync(_store, Collection, Partition, Segment);
        Assert.Equal(SegmentManifestCodec.Encode(manifest), SegmentManifestCodec.Encode(stored));
    }

    [Fact]
    public async Task A_snapshot_copy_lands_under_the_snapshot_prefix_outside_the_collection_and_reads_back()
    {
        var data = EveryTypeData(50, seed: 3);
        var paths = SegmentPaths.OfSnapshot(Collection, 21, Segment);

        var manifest = await SegmentStore.WriteAsync(_store, EveryType, Collection, Partition, Segment, data, paths);

        var keys = (await _store.ListAsync("")).Select(o => o.Key).ToList();
        Assert.All(keys, key => Assert.StartsWith(ObjectPaths.SnapshotPrefix(Collection, 21), key));
        Assert.All(ObjectPaths.CollectionPrefixes(Collection), prefix => Assert.DoesNotContain(keys, key => key.StartsWith(prefix, StringComparison.Ordinal)));
        Assert.Contains(paths.Manifest, keys);
        var read = await SegmentStore.ReadAsync(_store, EveryType, await SegmentStore.ReadManifestAsync(_store, paths.Manifest));
        Assert.Equal(data.Timestamps, read.Timestamps);
        AssertSameColumn(data.Rows[100], read.Rows[100], "100");
        Assert.Equal(manifest.RowCount, read.Rows.RowCount);
    }

    [Fact]
    public async Task A_field_added_after_the_segment_was_written_reads_its_default_or_null_and_a_missing_older_file_still_fails()
    {
        var data = EveryTypeData(Rows, seed: 4);
        var manifest = await SegmentStore.WriteAsync(_store, EveryType, Collection, Partition, Segment, data);
        var widened = EveryType with
        {
            Fields = EveryType.Fields.AddRange(
                Field(200, DataType.Int64, nullable: true) with { DefaultValue = 5L }, Field(201, DataType.VarChar, nullable: true), Field(202, DataType.FloatVector, nullable: true, dim: 4)),
            Version = 2,
        };

        var read = await SegmentStore.ReadAsync(_store, widened, manifest);

        AssertSameColumn(data.Rows[107], read.Rows[107], "a field the segment has");
        Assert.All(((ScalarColumn<long>)read.Rows[200]).Values, value => Assert.Equal(5L, value));
        Assert.Null(read.Rows[200].Validity);
        Assert.All(read.Rows[201].Validity!, Assert.False);
        Assert.Equal(Rows, read.Rows[201].Count);
        Assert.Equal(Rows, read.Rows[202].Count);
        Assert.Null(read.Rows[202].GetValue(Rows - 1));
        Assert.Equal(0, read.Rows[202].ValidRows!.PopCount());

        var lostFile = manifest with { Fields = [.. manifest.Fields.Where(f => f.FieldId != 104)] };
        var error = await Assert.ThrowsAsync<MilvusException>(() => SegmentStore.ReadAsync(_store, widened, lostFile));
        Assert.Equal(ErrorCode.SegmentLoadFailed, error.Code);
    }

    [Fact]
    public async Task Reading_a_subset_of_fields_loads_only_those_and_the_timestamps()
    {
        var data = EveryTypeData(Rows, seed: 3);
        var manifest = await SegmentStore.WriteAsync(_store, EveryType, Collection, Partition, Segment, data);

        var read = await SegmentStore.ReadAsync(_store, EveryType, manifest, [100, 115]);
        Assert.Equal([100L, 115L], read.Rows.Columns.Keys.Order());
        AssertSameColumn(data.Rows[100], read.Rows[100], "pk");
        AssertSameColumn(data.Rows[115], read.Rows[115], "vector");
        Assert.Equal(data.Timestamps, read.Timestamps);
    }

    [Fact]
    public async Task A_corrupted_file_is_rejected_with_an_error_naming_it()
    {
        var manifest = await SegmentStore.WriteAsync(_store, EveryType, Collection, Partition, Segment, EveryTypeData(Rows, seed: 4));
        var key = manifest.FindField(115)!.File.Key;
        var bytes = await _store.GetAsync(key);
        bytes[bytes.Length / 2] ^= 0x40;
        await _store.PutAsync(key, bytes);

        var error = await Assert.ThrowsAsync<MilvusException>(() => SegmentStore.ReadAsync(_store, EveryType, manifest));
        Assert.Equal(ErrorCode.SegmentLoadFailed, error.Code);
        Assert.Contains($"'{key}' is corrupt", error.Message);
    }

    [Fact]
    public async Task A_truncated_file_is_rejected_with_an_error_naming_it()
    {
        var manifest = await SegmentStore.WriteAsync(_store, EveryType, Collection, Partition, Segment, EveryTypeData(Rows, seed: 5));
        var key = manifest.Stats.Key;
        var bytes = await _store.GetAsync(key);
        await _store.PutAsync(key, bytes.AsMemory(0, bytes.Length - 3));

        var error = await Assert.ThrowsAsync<MilvusException>(() => SegmentStore.ReadStatsAsync(_store, manifest));
        Assert.Equal(ErrorCode.SegmentLoadFailed, error.Code);
        Assert.Contains($"'{key}' is truncated", error.Message);
    }

    [Fact]
    public async Task A_file_with_valid_checksum_but_wrong_shape_is_rejected()
    {
        var manifest = await SegmentStore.WriteAsync(_store, EveryType, Collection, Partition, Segment, EveryTypeData(Rows, seed: 6));
        // Point field 102's entry at field 103's file: the bytes verify, but the column inside is not field 102's.
        var wrong = manifest with
        {
            Fields = manifest.Fields.Select(f => f.FieldId == 102 ? f with { File = manifest.FindField(103)!.File } : f).ToList(),
        };

        var error = await Assert.ThrowsAsync<MilvusException>(() => SegmentStore.ReadAsync(_store, EveryType, wrong, [102]));
        Assert.Equal(ErrorCode.SegmentLoadFailed, error.Code);
        Assert.Contains("insert_log/7/8/9/103", error.Message);
    }

    [Fact]
    public async Task Writing_rejects_rows_that_do_not_match_the_schema()
    {
        var data = EveryTypeData(20, seed: 7);

        var wrongType = data with { Rows = new RowBatch(data.Rows.Columns.SetItem(106, new ScalarColumn<float>(DataType.Float, new float[20]))) };
        var error = await Assert.ThrowsAsync<MilvusException>(() => SegmentStore.WriteAsync(_store, EveryType, 1, 2, 3, wrongType));
        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains("field 'f106' is Double", error.Message);

        var wrongDim = data with { Rows = new RowBatch(data.Rows.Columns.SetItem(115, new VectorColumn<float>(DataType.FloatVector, 8, new float[160]))) };
        error = await Assert.ThrowsAsync<MilvusException>(() => SegmentStore.WriteAsync(_store, EveryType, 1, 2, 3, wrongDim));
        Assert.Contains("FloatVector(dim=16)", error.Message);

        var missing = data with { Rows = new RowBatch(data.Rows.Columns.Remove(107)) };
        error = await Assert.ThrowsAsync<MilvusException>(() => SegmentStore.WriteAsync(_store, EveryType, 1, 2, 3, missing));
        Assert.Contains("lack field 'f107'", error.Message);

        var fewTimestamps = data with { Timestamps = data.Timestamps[1..] };
        error = await Assert.ThrowsAsync<MilvusException>(() => SegmentStore.WriteAsync(_store, EveryType, 1, 2, 3, fewTimestamps));
        Assert.Contains("one timestamp per row", error.Message);

        Assert.Empty(await _store.ListAsync(""));
    }

    [Fact]
    public async Task VarChar_primary_keys_round_trip_and_feed_the_stats()
    {
        var schema = new CollectionSchema
        {
            Name = "strings",
            Fields = [Field(100, DataType.VarChar), Field(101, DataType.FloatVector, dim: 4)],
        };
        var keys = Enumerable.Range(0, 500).Select(i => $"doc-{i * 7919 % 1000:D4}").ToArray();
        var vectors = Enumerable.Range(0, 2000).Select(i => (float)i).ToArray();
        var data = new SegmentData(
            new RowBatch(ImmutableDictionary<long, Column>.Empty
                .Add(100, new StringColumn(keys))
                .Add(101, new VectorColumn<float>(DataType.FloatVector, 4, vectors))),
            Enumerable.Range(0, 500).Select(i => (ulong)i + 1).ToArray());

        var manifest = await SegmentStore.WriteAsync(_store, schema, 1, 2, 3, data);
        var read = await SegmentStore.ReadAsync(_store, schema, manifest);
        Assert.Equal(keys, ((StringColumn)read.Rows[100]).Values);
        Assert.Equal(vectors, ((VectorColumn<float>)read.Rows[101]).Values);

        var stats = await SegmentStore.ReadStatsAsync(_store, manifest);
        Assert.Equal(DataType.VarChar, stats.KeyType);
        Assert.Equal(keys.Min(StringComparer.Ordinal), stats.MinString);
        Assert.Equal(keys.Max(StringComparer.Ordinal), stats.MaxString);
        Assert.All(keys, key => Assert.True(stats.MayContain(key)));
    }

    [Fact]
    public async Task An_empty_segment_round_trips()
    {
        var schema = new CollectionSchema { Name = "empty", Fields = [Field(100, DataType.Int64), Field(101, DataType.FloatVector, dim: 8)] };
        var data = new SegmentData(
            new RowBatch(ImmutableDictionary<long, Column>.Empty
                .Add(100, new ScalarColumn<long>(DataType.Int64, []))
                .Add(101, new VectorColumn<float>(DataType.FloatVector, 8, []))),
            []);

        var manifest = await SegmentStore.WriteAsync(_store, schema, 1, 1, 1, data);
        var read = await SegmentStore.ReadAsync(_store, schema, manifest);
        Assert.Equal(0, read.Rows.RowCount);
        Assert.False((await SegmentStore.ReadStatsAsync(_store, manifest)).MayContain(0));
    }

    [Fact]
    public async Task Delete_logs_append_to_the_manifest_and_read_back_in_order()
    {
        var manifest = await SegmentStore.WriteAsync(_store, EveryType, Collection, Partition, Segment, EveryTypeData(10, seed: 8));
        var first = DeleteLog.Of([5L, -1L, long.MaxValue], [10UL, 11UL, 12UL]);
        var second = DeleteLog.Of([42L], [ulong.MaxValue >> 1]);

        manifest = await SegmentStore.AppendDeleteLogAsync(_store, manifest, logId: 1000, first);
        manifest = await SegmentStore.AppendDeleteLogAsync(_store, manifest, logId: 1001, second);
        Assert.Equal(["delta_log/7/8/9/1000", "delta_log/7/8/9/1001"], manifest.DeltaLogs.Select(f => f.Key));

        var stored = await SegmentStore.ReadManifestAsync(_store, Collection, Partition, Segment);
        var logs = await SegmentStore.ReadDeleteLogsAsync(_store, stored);
        Assert.Equal(2, logs.Count);
        Assert.Equal(new[] { 5L, -1L, long.MaxValue }, ((ScalarColumn<long>)logs[0].PrimaryKeys).Values);
        Assert.Equal(new[] { 10UL, 11UL, 12UL }, logs[0].Timestamps);
        Assert.Equal(new[] { 42L }, ((ScalarColumn<long>)logs[1].PrimaryKeys).Values);
        Assert.Equal(new[] { ulong.MaxValue >> 1 }, logs[1].Timestamps);

        var error = await Assert.ThrowsAsync<MilvusException>(() => SegmentStore.AppendDeleteLogAsync(_store, manifest, 1000, second));
        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
    }

    [Fact]
    public async Task A_VarChar_delete_log_round_trips_and_corruption_is_detected()
    {
        var log = DeleteLog.Of(["a", "", "héllo", "漢字"], [1UL, 2UL, 3UL, 4UL]);
        var file = await log.WriteAsync(_store, ObjectPaths.DeltaLog(1, 2, 3, 4));

        var read = await DeleteLog.ReadAsync(_store, file);
        Assert.Equal(DataType.VarChar, read.KeyType);
        Assert.Equal(new[] { "a", "", "héllo", "漢字" }, ((StringColumn)read.PrimaryKeys).Values);
        Assert.Equal(log.Timestamps, read.Timestamps);

        var bytes = await _store.GetAsync(file.Key);
        bytes[^5] ^= 1;
        await _store.PutAsync(file.Key, bytes);
        var error = await Assert.ThrowsAsync<MilvusException>(() => DeleteLog.ReadAsync(_store, file));
        Assert.Equal(ErrorCode.SegmentLoadFailed, error.Code);
        Assert.Contains("delta_log/1/2/3/4", error.Message);
    }

    [Fact]
    public void A_delete_log_needs_one_timestamp_per_key()
    {
        var error = Assert.Throws<MilvusException>(() => DeleteLog.Of([1L, 2L], [1UL]));
        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
    }

    [Fact]
    public async Task A_manifest_of_an_unknown_format_version_is_refused()
    {
        var manifest = await SegmentStore.WriteAsync(_store, EveryType, Collection, Partition, Segment, EveryTypeData(5, seed: 9));
        var key = ObjectPaths.SegmentManifest(Collection, Partition, Segment);
        var newer = SegmentManifestEntry.Parser.ParseFrom(SegmentManifestCodec.Encode(manifest));
        newer.FormatVersion = 99;
        await _store.PutAsync(key, newer.ToByteArray());

        var error = await Assert.ThrowsAsync<MilvusException>(() => SegmentStore.ReadManifestAsync(_store, Collection, Partition, Segment));
        Assert.Equal(ErrorCode.SegmentLoadFailed, error.Code);
        Assert.Contains("format version 99", error.Message);
        Assert.Contains($"reads versions up to {SegmentManifestCodec.FormatVersion}", error.Message);
    }
}
