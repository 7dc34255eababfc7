using System.Globalization;
using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.TestSupport;
using KeyValuePair = Milvus.Akka.Grpc.Protocol.Common.KeyValuePair;
using ProtoQueryRequest = Milvus.Akka.Grpc.Protocol.Milvus.QueryRequest;
using ProtoSearchRequest = Milvus.Akka.Grpc.Protocol.Milvus.SearchRequest;
using static Milvus.Akka.TestSupport.MilvusRpc;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// Milvus 2.6's Timestamptz field over gRPC as the SDKs use it: ISO strings (with any offset, or compact with
/// valid_data for nulls) and UTC microseconds in, ISO strings out in the collection's or the request's time zone,
/// defaults and nulls, filters checked against the same rows filtered in memory, through a flush, an STL_SORT index
/// and a restart.
/// </summary>
public sealed class TimestamptzRpcTests
{
    private const string Collection = "events";
    private const int Dim = 4;
    private const int Rows = 40;

    // The Node SDK suite's default: 1984-04-14T07:00:00Z.
    private const string DefaultIso = "1984-04-14T15:00:00+08:00";
    private static readonly long DefaultMicros = Micros(DateTimeOffset.Parse(DefaultIso, CultureInfo.InvariantCulture));

    // Row i: tsz (the default where it was not sent), tsn (null where not sent).
    private readonly long[] _tsz = new long[Rows];
    private readonly long?[] _tsn = new long?[Rows];

    [Fact]
    public async Task Timestamptz_values_are_stored_filtered_and_shown_as_Milvus_does_before_and_after_a_flush_and_a_restart()
    {
        await using var node = await StandaloneGrpcNode.StartAsync();
        var client = node.Client;
        await CreateAsync(client);
        await DescribeAsync(client);
        Succeeded(await client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = Collection }));
        await InsertAsync(client);
        await CheckReadsAsync(client); // growing segments

        Succeeded((await client.FlushedAsync(new FlushRequest { CollectionNames = { Collection } })).Status);
        Succeeded(await client.CreateIndexAsync(new CreateIndexRequest
        {
            CollectionName = Collection, FieldName = "tsz", IndexName = "tsz_sort", ExtraParams = { Pair("index_type", "STL_SORT") },
        }));
        Succeeded(await client.CreateIndexAsync(new CreateIndexRequest
        {
            CollectionName = Collection, FieldName = "tsn", IndexName = "tsn_inverted", ExtraParams = { Pair("index_type", "INVERTED") },
        }));
        await WaitForIndexAsync(client, "tsz_sort");
        await WaitForIndexAsync(client, "tsn_inverted");
        await CheckReadsAsync(client); // sealed segments answered from the scalar indexes
        await CheckRefusalsAsync(client);

        await node.RestartAsync();
        client = node.Client;
        await DescribeAsync(client);
        Succeeded(await client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = Collection }));
        await CheckReadsAsync(client);
    }

    private static async Task CreateAsync(MilvusService.MilvusServiceClient client)
    {
        var schema = new CollectionSchema
        {
            Name = Collection,
            Fields =
            {
                IdAndVector(Dim),
                // As the Node SDK sends it: the default in UTC microseconds.
                new FieldSchema { Name = "tsz", DataType = DataType.Timestamptz, DefaultValue = new ValueField { TimestamptzData = DefaultMicros } },
                new FieldSchema { Name = "tsn", DataType = DataType.Timestamptz, Nullable = true },
                // As pymilvus sends it: the ISO string.
                new FieldSchema { Name = "tss", DataType = DataType.Timestamptz, Nullable = true, DefaultValue = new ValueField { StringData = DefaultIso } },
            },
        };
        var refused = await client.CreateCollectionAsync(new CreateCollectionRequest
        {
            CollectionName = Collection, Schema = schema.ToByteString(), Properties = { Pair("timezone", "Mars/Olympus") },
        });
        Assert.Contains("Mars/Olympus", refused.Reason);
        Assert.NotEqual(0, refused.Code);

        Succeeded(await client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = Collection, Schema = schema.ToByteString() }));
        Succeeded(await client.CreateIndexAsync(new CreateIndexRequest
        {
            CollectionName = Collection, FieldName = "vec", ExtraParams = { Pair("index_type", "FLAT"), Pair("metric_type", "L2") },
        }));
    }

    private static async Task DescribeAsync(MilvusService.MilvusServiceClient client)
    {
        var described = await client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = Collection });
        Succeeded(described.Status);
        var tsz = described.Schema.Fields.Single(f => f.Name == "tsz");
        Assert.Equal(DataType.Timestamptz, tsz.DataType);
        // Milvus describes a Timestamptz default as an ISO string in the collection's time zone.
        Assert.Equal("1984-04-14T07:00:00Z", tsz.DefaultValue.StringData);
        Assert.Equal("1984-04-14T07:00:00Z", described.Schema.Fields.Single(f => f.Name == "tss").DefaultValue.StringData);
        Assert.True(described.Schema.Fields.Single(f => f.Name == "tsn").Nullable);
        Assert.Contains(described.Properties, p => p.Key == "timezone" && p.Value == "UTC");
    }

    private async Task InsertAsync(MilvusService.MilvusServiceClient client)
    {
        var random = new Random(26);
        var start = Micros(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        for (var i = 0; i < Rows; i++)
        {
            _tsz[i] = i % 7 == 3 ? DefaultMicros : start + random.NextInt64(10L * 86_400_000_000) / 1000 * 1000 + (i % 2);
            _tsn[i] = i % 3 == 1 ? null : start + random.NextInt64(10L * 86_400_000_000);
        }

        // The first half as the Node SDK sends it: ISO strings in string_data, only for the rows that have a value.
        var half = Rows / 2;
        var first = Enumerable.Range(0, half).ToArray();
        Succeeded((await client.InsertAsync(Insert(first,
            IsoColumn("tsz", first, i => i % 7 == 3 ? null : _tsz[i]),
            IsoColumn("tsn", first, i => _tsn[i])))).Status);

        // The second half in timestamptz_data (UTC microseconds), full length with valid_data.
        var second = Enumerable.Range(half, Rows - half).ToArray();
        Succeeded((await client.InsertAsync(Insert(second,
            MicrosColumn("tsz", second, i => i % 7 == 3 ? null : _tsz[i]),
            MicrosColumn("tsn", second, i => _tsn[i])))).Status);
    }

    private async Task CheckReadsAsync(MilvusService.MilvusServiceClient client)
    {
        // Output: every row as an ISO string naming the same instant; tss was never sent, so it holds its default.
        var all = await QueryAsync(client, "id >= 0", []);
        Assert.Equal(Enumerable.Range(0, Rows).Select(i => (long)i), all.Keys.Order());
        foreach (var (id, (tsz, tsn, tss, texts)) in all)
        {
            Assert.Equal(_tsz[id], tsz);
            Assert.Equal(_tsn[id], tsn);
            Assert.Equal(DefaultMicros, tss);
            Assert.EndsWith("Z", texts);
        }

        // The request's time zone wins over the collection's for output.
        var shanghai = await QueryAsync(client, "id >= 0", [Pair("timezone", "Asia/Shanghai")]);
        Assert.All(shanghai, row => Assert.EndsWith("+08:00", row.Value.TszText));
        Assert.Equal(all.ToDictionary(r => r.Key, r => r.Value.Tsz), shanghai.ToDictionary(r => r.Key, r => r.Value.Tsz));

        // Filters: the same rows as the same conditions evaluated here.
        var sorted = _tsz.Where(t => t != DefaultMicros).Order().ToArray();
        var (low, mid, high) = (sorted[5], sorted[sorted.Length / 2], sorted[^5]);
        var day = 86_400_000_000L;
        var oracle = new List<(string Filter, Func<long, long?, bool> Keep)>
        {
            ($"tsz > ISO '{Iso(mid, "+05:30")}'", (t, _) => t > mid),
            ($"tsz <= '{Iso(mid, "Z")}'", (t, _) => t <= mid),
            ($"ISO '{Iso(low, "-03:00")}' <= tsz < ISO '{Iso(high, "+08:00")}'", (t, _) => low <= t && t < high),
            ($"tsz in [ISO '{Iso(low, "+01:00")}', '{Iso(high, "Z")}']", (t, _) => t == low || t == high),
            ($"tsz not in [ISO '{Iso(low, "+01:00")}']", (t, _) => t != low),
            ("tsz == ISO '1984-04-14T07:00:00Z'", (t, _) => t == DefaultMicros),
            ($"tsz != ISO '{DefaultIso}'", (t, _) => t != DefaultMicros),
            ("tsn is null", (_, n) => n is null),
            ($"tsn is not null and tsn >= ISO '{Iso(mid, "Z")}'", (_, n) => n >= mid),
            ($"tsz + INTERVAL 'P1D' < ISO '{Iso(mid, "Z")}'", (t, _) => t + day < mid),
            ($"tsz - INTERVAL 'PT12H30M' >= ISO '{Iso(low, "Z")}'", (t, _) => t - ((12 * 60) + 30) * 60_000_000L >= low),
            ($"ISO '{Iso(mid, "Z")}' > tsn + INTERVAL 'P2DT1S'", (_, n) => n + (2 * day) + 1_000_000 < mid),
            // Without an offset a filter literal is read in UTC.
            ($"tsz > '{Naive(mid)}'", (t, _) => t > mid / 1_000_000 * 1_000_000),
        };
        foreach (var (filter, keep) in oracle)
        {
            var expected = Enumerable.Range(0, Rows).Where(i => keep(_tsz[i], _tsn[i])).Select(i => (long)i).ToList();
            Assert.True(expected.Count > 0 && expected.Count < Rows, $"the filter {filter} should split the rows");
            Assert.Equal(expected, (await QueryAsync(client, filter, [])).Keys.Order());
        }

        // A search returns the field with its hits and takes the same filters.
        var search = await client.SearchAsync(new ProtoSearchRequest
        {
            CollectionName = Collection,
            Dsl = $"tsz > ISO '{Iso(mid, "Z")}'",
            DslType = DslType.BoolExprV1,
            OutputFields = { "tsz" },
            PlaceholderGroup = Placeholder(),
            SearchParams = { Pair("anns_field", "vec"), Pair("topk", "100"), Pair("metric_type", "L2"), Pair("params", "{}"), Pair("timezone", "America/New_York") },
            ConsistencyLevel = ConsistencyLevel.Strong,
        });
        Succeeded(search.Status);
        var ids = search.Results.Ids.IntId.Data.ToArray();
        Assert.Equal(Enumerable.Range(0, Rows).Where(i => _tsz[i] > mid).Select(i => (long)i), ids.Order());
        var shown = search.Results.FieldsData.Single(f => f.FieldName == "tsz");
        Assert.Equal(DataType.Timestamptz, shown.Type);
        Assert.Equal(ids.Select(id => _tsz[id]), shown.Scalars.StringData.Data.Select(s => Micros(DateTimeOffset.Parse(s, CultureInfo.InvariantCulture))));
        Assert.All(shown.Scalars.StringData.Data, s => Assert.Matches("-0[45]:00$", s));
    }

    private static async Task CheckRefusalsAsync(MilvusService.MilvusServiceClient client)
    {
        var badRow = await client.InsertAsync(Insert([Rows], IsoColumn("tsz", [Rows], _ => 0), new FieldData
        {
            FieldName = "tsn", Type = DataType.Timestamptz, Scalars = new ScalarField { StringData = new StringArray { Data = { "next tuesday" } } },
        }));
        Assert.Contains("next tuesday", badRow.Status.Reason);
        Assert.NotEqual(0, badRow.Status.Code);

        foreach (var (filter, problem) in new[]
        {
            ("tsz > 1735689600000000", "compared with timestamps"),
            ("tsz + INTERVAL 'P1M' > ISO '2025-01-01T00:00:00Z'", "not supported"),
            ("tsz + 5 > ISO '2025-01-01T00:00:00Z'", "INTERVAL"),
            ("tsz > ISO 'soon'", "soon"),
            ("id + INTERVAL 'P1D' > 3", "INTERVAL"),
        })
        {
            var refused = await client.QueryAsync(new ProtoQueryRequest { CollectionName = Collection, Expr = filter, OutputFields = { "id" } });
            Assert.NotEqual(0, refused.Status.Code);
            Assert.Contains(problem, refused.Status.Reason);
        }

        var badZone = await client.QueryAsync(new ProtoQueryRequest
        {
            CollectionName = Collection, Expr = "id >= 0", OutputFields = { "tsz" }, QueryParams = { Pair("timezone", "Nowhere/City") },
        });
        Assert.Contains("Nowhere/City", badZone.Status.Reason);

        var bitmap = await client.CreateIndexAsync(new CreateIndexRequest
        {
            CollectionName = Collection, FieldName = "tss", IndexName = "tss_bitmap", ExtraParams = { Pair("index_type", "BITMAP") },
        });
        Assert.NotEqual(0, bitmap.Code);
    }

    private static async Task<Dictionary<long, (long Tsz, long? Tsn, long Tss, string TszText)>> QueryAsync(
        MilvusService.MilvusServiceClient client, string filter, KeyValuePair[] parameters)
    {
        var response = await client.QueryAsync(new ProtoQueryRequest
        {
            CollectionName = Collection,
            Expr = filter,
            OutputFields = { "id", "tsz", "tsn", "tss" },
            QueryParams = { parameters },
            ConsistencyLevel = ConsistencyLevel.Strong,
        });
        Succeeded(response.Status);
        var ids = response.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data;
        var tsz = Shown(response, "tsz");
        var tsn = Shown(response, "tsn");
        var tss = Shown(response, "tss");
        return Enumerable.Range(0, ids.Count).ToDictionary(i => ids[i], i => (tsz[i]!.Value.Micros, tsn[i]?.Micros, tss[i]!.Value.Micros, tsz[i]!.Value.Text));
    }

    /// <summary>A Timestamptz output column: Milvus's form is ISO strings in string_data, nulls marked in valid_data.</summary>
    private static (long Micros, string Text)?[] Shown(QueryResults response, string name)
    {
        var data = response.FieldsData.Single(f => f.FieldName == name);
        Assert.Equal(DataType.Timestamptz, data.Type);
        Assert.Equal(ScalarField.DataOneofCase.StringData, data.Scalars.DataCase);
        return data.Scalars.StringData.Data.Select((text, i) => data.ValidData.Count > 0 && !data.ValidData[i]
            ? ((long, string)?)null
            : (Micros(DateTimeOffset.Parse(text, CultureInfo.InvariantCulture)), text)).ToArray();
    }

    private static InsertRequest Insert(int[] ids, params FieldData[] times) => new()
    {
        CollectionName = Collection,
        NumRows = (uint)ids.Length,
        FieldsData =
        {
            new FieldData { FieldName = "id", Type = DataType.Int64, Scalars = new ScalarField { LongData = new LongArray { Data = { ids.Select(i => (long)i) } } } },
            new FieldData
            {
                FieldName = "vec",
                Type = DataType.FloatVector,
                Vectors = new VectorField { Dim = Dim, FloatVector = new FloatArray { Data = { ids.SelectMany(i => new float[] { i, 1, 2, 3 }) } } },
            },
            times,
        },
    };

    /// <summary>ISO strings with an offset that changes from row to row, compact: values only for the rows that have one.</summary>
    private static FieldData IsoColumn(string name, int[] ids, Func<int, long?> value)
    {
        string[] offsets = ["Z", "+08:00", "-05:00", "+05:45", "-00:00"];
        var data = new FieldData { FieldName = name, Type = DataType.Timestamptz, Scalars = new ScalarField { StringData = new StringArray() } };
        foreach (var i in ids)
        {
            data.ValidData.Add(value(i) is not null);
            if (value(i) is { } micros)
            {
                data.Scalars.StringData.Data.Add(Iso(micros, offsets[i % offsets.Length]));
            }
        }

        return data;
    }

    private static FieldData MicrosColumn(string name, int[] ids, Func<int, long?> value)
    {
        var data = new FieldData { FieldName = name, Type = DataType.Timestamptz, Scalars = new ScalarField { TimestamptzData = new TimestamptzArray() } };
        foreach (var i in ids)
        {
            data.ValidData.Add(value(i) is not null);
            data.Scalars.TimestamptzData.Data.Add(value(i) ?? 0);
        }

        return data;
    }

    private static ByteString Placeholder()
    {
        var query = new float[] { 1, 1, 2, 3 };
        var bytes = new byte[query.Length * sizeof(float)];
        Buffer.BlockCopy(query, 0, bytes, 0, bytes.Length);
        return new PlaceholderGroup { Placeholders = { new PlaceholderValue { Tag = "$0", Type = PlaceholderType.FloatVector, Values = { ByteString.CopyFrom(bytes) } } } }
            .ToByteString();
    }

    private static Task WaitForIndexAsync(MilvusService.MilvusServiceClient client, string index) =>
        Eventually.UntilAsync(
            async () =>
            {
                var described = await client.DescribeIndexAsync(new DescribeIndexRequest { CollectionName = Collection, IndexName = index });
                Succeeded(described.Status);
                return described.IndexDescriptions.Single() is { TotalRows: > 0 } d && d.IndexedRows >= d.TotalRows;
            },
            $"index {index} is built over the flushed rows",
            seconds: 180);

    private static long Micros(DateTimeOffset instant) => (instant.UtcTicks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond;

    private static DateTimeOffset Instant(long micros) => new(DateTime.UnixEpoch.Ticks + micros * TimeSpan.TicksPerMicrosecond, TimeSpan.Zero);

    private static string Iso(long micros, string offset)
    {
        var instant = Instant(micros);
        if (offset is "Z")
        {
            return instant.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        }

        var shift = offset == "-00:00" ? TimeSpan.Zero : TimeSpan.Parse(offset.TrimStart('+'), CultureInfo.InvariantCulture);
        return instant.ToOffset(shift).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture);
    }

    private static string Naive(long micros) => Instant(micros).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
