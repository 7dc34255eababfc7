using System.Diagnostics.CodeAnalysis;
using Google.Protobuf;
using Milvus.Akka.Common;

namespace Milvus.Akka.Expressions;

/// <summary>
/// The filter of a search or query plan, parsed and bound once, at the proxy. In process it is the proxy's
/// <see cref="FilterExpression"/> itself; across the network it travels as the bound tree (<see cref="Encoded"/>, the
/// format of <c>Formats/filter_plan.proto</c>), which a node rebuilds against its collection schema without parsing,
/// resolving names or checking types. Immutable and thread-safe.
/// </summary>
public sealed class FilterPlan
{
    /// <summary>
    /// How deep a plan's messages may nest: each level of a filter's nesting is at most two (a predicate and its
    /// operands), and <see cref="FilterLimits.DepthCeiling"/> bounds the filter's.
    /// </summary>
    private const int RecursionLimit = 2 * FilterLimits.DepthCeiling + 16;

    private readonly FilterExpression? _bound;
    private byte[]? _encoded;

    /// <summary>The last rebuild: a node binds a received plan once for all the segments of one schema it searches.</summary>
    private Rebuilt? _rebuilt;

    private sealed record Rebuilt(CollectionSchema Schema, FilterExpression Filter);

    private FilterPlan(FilterExpression? bound, byte[]? encoded)
    {
        _bound = bound;
        _encoded = encoded;
    }

    /// <summary>The plan of a filter bound here; null for no filter.</summary>
    [return: NotNullIfNotNull(nameof(bound))]
    public static FilterPlan? Of(FilterExpression? bound) => bound is null ? null : new FilterPlan(bound, null);

    /// <summary>A plan received from another node, as <see cref="Encoded"/> wrote it.</summary>
    public static FilterPlan FromEncoded(byte[] encoded) => new(null, encoded);

    /// <summary>The bound tree in its wire format, encoded once however many nodes the plan is sent to.</summary>
    public byte[] Encoded => _encoded ??= _bound!.ToPlan().ToByteArray();

    /// <summary>The bound filter: the proxy's own in process, else rebuilt from the plan against <paramref name="schema"/>.</summary>
    /// <exception cref="MilvusException">CollectionSchemaMismatch when the plan does not fit the schema (a field it lacks).</exception>
    public FilterExpression For(CollectionSchema schema)
    {
        if (_bound is not null)
        {
            return _bound;
        }

        if (_rebuilt is { } rebuilt && ReferenceEquals(rebuilt.Schema, schema))
        {
            return rebuilt.Filter;
        }

        try
        {
            var plan = Formats.FilterPlan.Parser.ParseFrom(CodedInputStream.CreateWithLimits(new MemoryStream(_encoded!, writable: false), _encoded!.Length, RecursionLimit));
            var filter = FilterExpression.FromPlan(plan, schema);
            _rebuilt = new Rebuilt(schema, filter);
            return filter;
        }
        catch (Exception e) when (e is InvalidDataException or InvalidProtocolBufferException)
        {
            throw new MilvusException(ErrorCode.CollectionSchemaMismatch, $"the filter plan does not fit collection \"{schema.Name}\" here: {e.Message}", e);
        }
    }
}
