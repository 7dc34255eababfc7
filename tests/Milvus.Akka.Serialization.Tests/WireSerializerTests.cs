using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using Milvus.Akka.Cluster;
using Milvus.Akka.Cluster.Serialization;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Expressions;
using Milvus.Akka.Query;
using Milvus.Akka.Security;
using Milvus.Akka.Segments;
using Milvus.Akka.Server;
using Milvus.Akka.Streaming;

namespace Milvus.Akka.Serialization.Tests;

public sealed class WireSerializerTests(SerializationFixture fixture) : IClassFixture<SerializationFixture>
{
    private static readonly Type[] Markers = [typeof(ICoordinatorMessage), typeof(IQueryNodeMessage), typeof(IShardMessage), typeof(IShardEvent), typeof(ISecurityMessage)];

    /// <summary>The serializer ids Milvus.Akka ships; Akka reserves 0–100 and every other id belongs to a library.</summary>
    private static readonly int[] OurSerializerIds = [401, 402, 403, 404, 405, 411];

    public static TheoryData<string> SampleNames => [.. Samples.Create(ActorRefs.Nobody).Select(s => s.Name)];

    private global::Akka.Serialization.Serialization Serialization => fixture.System.Serialization;

    [Theory]
    [MemberData(nameof(SampleNames))]
    public void Message_round_trips_through_its_protobuf_serializer(string name)
    {
        var message = Samples.Create(fixture.QueryNode).Single(s => s.Name == name).Message;
        var serializer = Serialization.FindSerializerFor(message);
        Assert.Contains(serializer.Identifier, OurSerializerIds);
        var manifestSerializer = Assert.IsAssignableFrom<SerializerWithStringManifest>(serializer);
        var manifest = manifestSerializer.Manifest(message);

        var bytes = serializer.ToBinary(message);
        var decoded = Serialization.Deserialize(bytes, serializer.Identifier, manifest);

        Assert.IsType(message.GetType(), decoded);
        Assert.Equal(StructuralDump.Of(message), StructuralDump.Of(decoded));
    }

    [Fact]
    public void Actor_references_resolve_to_the_same_live_actor()
    {
        var message = new AssignSegment("42_1", Samples.Segment, fixture.QueryNode, 901);
        var serializer = Serialization.FindSerializerFor(message);

        var decoded = (AssignSegment)Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, Manifest(serializer, message));

        Assert.Equal(fixture.QueryNode, decoded.QueryNode);
        Assert.IsNotType<EmptyLocalActorRef>(decoded.QueryNode);
    }

    [Fact]
    public void Every_message_type_of_every_layer_has_a_round_trip_sample()
    {
        var sampled = Samples.Create(ActorRefs.Nobody).Select(s => s.Message.GetType()).ToHashSet();
        var messageTypes = MilvusAssemblies()
            .SelectMany(a => a.GetTypes())
            .Where(t => t is { IsAbstract: false, IsInterface: false } && Markers.Any(m => m.IsAssignableFrom(t)))
            .ToList();

        Assert.NotEmpty(messageTypes);
        Assert.Empty(messageTypes.Where(t => !sampled.Contains(t)).Select(t => t.FullName));
        Assert.Contains(typeof(MilvusFailure), sampled);
        Assert.Contains(typeof(Done), sampled);
        Assert.Contains(typeof(SearchHits), sampled);
        Assert.Contains(typeof(QueryRows), sampled);
    }

    [Fact]
    public void Every_registered_type_is_bound_to_the_serializer_that_registers_it()
    {
        var wireSerializers = Samples.Create(ActorRefs.Nobody).Select(s => Serialization.FindSerializerFor(s.Message)).OfType<WireSerializer>().Distinct().ToList();

        Assert.Equal(5, wireSerializers.Count);
        foreach (var serializer in wireSerializers)
        {
            foreach (var type in serializer.RegisteredTypes)
            {
                Assert.Same(serializer, Serialization.FindSerializerForType(type));
            }
        }
    }

    [Theory]
    [InlineData("PartitionDataDropped", 401)]
    [InlineData("Done", 402)]
    [InlineData("AllocateIds", 403)]
    [InlineData("SegmentLoaded", 404)]
    [InlineData("InsertAck", 405)]
    public void Unknown_manifest_is_a_serialization_error(string sampleOfSerializer, int serializerId)
    {
        var sample = Samples.Create(ActorRefs.Nobody).Single(s => s.Name == sampleOfSerializer).Message;
        var serializer = Assert.IsAssignableFrom<SerializerWithStringManifest>(Serialization.FindSerializerFor(sample));
        Assert.Equal(serializerId, serializer.Identifier);

        Assert.Throws<SerializationException>(() => serializer.FromBinary([], "no-such-manifest9"));
    }

    [Theory]
    [InlineData("rating > 2")]
    [InlineData("title like \"l%\" or id in [1, 0]")]
    [InlineData("tags[0] >= 1 and not (rating < 0)")]
    public void A_bound_filter_crosses_the_network_and_selects_the_same_rows(string filter)
    {
        var bound = FilterExpression.Parse(filter, Samples.Schema);
        var search = new SearchShard("42_0", new SearchPlan(42, 101, MetricType.L2, 3, 1, [0, 0], FilterPlan.Of(bound), ImmutableDictionary<string, string>.Empty,
            [], 9, OutputFieldIds: [102]));
        var query = new QuerySegments(new QueryPlan(42, FilterPlan.Of(bound), [103], [], 9, null, false), [7001]);

        var decodedSearch = (SearchShard)RoundTrip(search);
        var decodedQuery = (QuerySegments)RoundTrip(query);

        var expected = bound.Evaluate(Samples.Rows());
        Assert.Equal(Bits(expected), Bits(decodedSearch.Plan.FilterFor(Samples.Schema)!.Evaluate(Samples.Rows())));
        Assert.Equal(Bits(expected), Bits(decodedQuery.Plan.FilterFor(Samples.Schema)!.Evaluate(Samples.Rows())));
        Assert.Equal([102L], decodedSearch.Plan.OutputFieldIds.ToArray());
        // In process the receiver uses the proxy's bound filter itself.
        Assert.Same(bound, search.Plan.FilterFor(Samples.Schema));
    }

    [Fact]
    public void A_filter_crosses_the_network_as_its_bound_tree_not_its_text()
    {
        const string filter = "title like \"a rather long prefix%\"";
        var plan = new QueryPlan(42, FilterPlan.Of(FilterExpression.Parse(filter, Samples.Schema)), [], [], 9, null, false);

        var bytes = Serialization.FindSerializerFor(new QuerySegments(plan, [])).ToBinary(new QuerySegments(plan, []));

        // The pattern travels (the node compiles it), the filter's text around it does not.
        Assert.Equal(1, Occurrences(bytes, "a rather long prefix%"u8));
        Assert.Equal(0, Occurrences(bytes, "title like"u8));
    }

    [Fact]
    public void A_plan_whose_filter_names_a_field_the_receiver_lacks_is_refused_with_a_schema_mismatch()
    {
        var plan = new QueryPlan(42, FilterPlan.Of(FilterExpression.Parse("rating > 2", Samples.Schema)), [], [], 9, null, false);
        var decoded = (QuerySegments)RoundTrip(new QuerySegments(plan, []));
        var withoutRating = Samples.Schema with { Fields = [.. Samples.Schema.Fields.Where(f => f.Name != "rating")] };

        var error = Assert.Throws<MilvusException>(() => decoded.Plan.FilterFor(withoutRating));

        Assert.Equal(ErrorCode.CollectionSchemaMismatch, error.Code);
        Assert.Contains("field 103", error.Message);
    }

    private static int Occurrences(byte[] haystack, ReadOnlySpan<byte> needle)
    {
        var count = 0;
        for (var at = haystack.AsSpan().IndexOf(needle); at >= 0; at = haystack.AsSpan(at + 1).IndexOf(needle) is var next and >= 0 ? at + 1 + next : -1)
        {
            count++;
        }

        return count;
    }

    [Fact]
    public void A_filter_time_zone_crosses_the_network_with_the_plan()
    {
        // Row 0's instant is 2025-05-01T15:59:59.000001Z: 23:59:59.000001 on a Shanghai wall clock (UTC+8).
        var schema = Samples.Schema with { Fields = Samples.Schema.Fields.Add(new FieldSchema { FieldId = 126, Name = "at", DataType = DataType.Timestamptz, Nullable = true }) };
        const string filter = "at == '2025-05-01 23:59:59.000001'";
        var shanghai = Timestamptz.Zone("Asia/Shanghai");
        var bound = FilterPlan.Of(FilterExpression.Parse(filter, schema, timezone: shanghai));
        var search = new SearchShard("42_0", new SearchPlan(42, 101, MetricType.L2, 3, 1, [0, 0], bound, ImmutableDictionary<string, string>.Empty, [], 9));
        var query = new QuerySegments(new QueryPlan(42, bound, [], [], 9, null, false), [7001]);

        var decodedSearch = (SearchShard)RoundTrip(search);
        var decodedQuery = (QuerySegments)RoundTrip(query);

        bool[] rowZeroOnly = [true, false, false, false];
        Assert.Equal(rowZeroOnly, Bits(decodedSearch.Plan.FilterFor(schema)!.Evaluate(Samples.Rows())));
        Assert.Equal(rowZeroOnly, Bits(decodedQuery.Plan.FilterFor(schema)!.Evaluate(Samples.Rows())));
        // Read in UTC the same text names an instant eight hours later, which no row holds.
        Assert.DoesNotContain(true, Bits(FilterExpression.Parse(filter, schema).Evaluate(Samples.Rows())));
    }

    private object RoundTrip(object message)
    {
        var serializer = Serialization.FindSerializerFor(message);
        return Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, Manifest(serializer, message));
    }

    private static bool[] Bits(Bitset bits) => [.. Enumerable.Range(0, bits.Length).Select(i => bits[i])];

    [Fact]
    public void Top_100_hits_of_10_queries_stay_small_raw_blocks()
    {
        const int nq = 10, k = 100;
        var random = new Random(7);
        var pks = Enumerable.Range(0, nq * k).Select(_ => random.NextInt64()).ToArray();
        var scores = Enumerable.Range(0, nq * k).Select(_ => random.NextSingle()).ToArray();
        var offsets = Enumerable.Range(0, nq + 1).Select(q => q * k).ToArray();
        var hits = new SearchHits(nq, offsets, new ScalarColumn<long>(DataType.Int64, pks), scores);

        var bytes = Serialization.FindSerializerFor(hits).ToBinary(hits);

        Assert.True(bytes.Length < 64 * 1024, $"{bytes.Length} bytes");
        // Keys, scores and offsets travel as raw little-endian blocks: only a few tag and length bytes on top.
        var raw = pks.Length * sizeof(long) + scores.Length * sizeof(float) + offsets.Length * sizeof(int);
        Assert.InRange(bytes.Length, raw, raw + 64);
    }

    [Fact]
    public void Top_100_hits_of_10_queries_with_varchar_keys_stay_below_64_KiB()
    {
        const int nq = 10, k = 100;
        var pks = Enumerable.Range(0, nq * k).Select(i => Guid.NewGuid().ToString("N")).ToArray();
        var hits = new SearchHits(nq, Enumerable.Range(0, nq + 1).Select(q => q * k).ToArray(), new StringColumn(pks), new float[nq * k]);

        var bytes = Serialization.FindSerializerFor(hits).ToBinary(hits);

        Assert.True(bytes.Length < 64 * 1024, $"{bytes.Length} bytes");
    }

    private static string Manifest(Serializer serializer, object message) => ((SerializerWithStringManifest)serializer).Manifest(message);

    private static IEnumerable<Assembly> MilvusAssemblies()
    {
        // Loads every layer the server references, so a message type in any of them is found.
        var server = typeof(MilvusNode).Assembly;
        var names = new HashSet<string>();
        var pending = new Stack<Assembly>([server]);
        while (pending.TryPop(out var assembly))
        {
            if (!names.Add(assembly.GetName().Name!))
            {
                continue;
            }

            yield return assembly;
            foreach (var reference in assembly.GetReferencedAssemblies().Where(r => r.Name!.StartsWith("Milvus.Akka", StringComparison.Ordinal)))
            {
                pending.Push(Assembly.Load(reference));
            }
        }
    }
}
