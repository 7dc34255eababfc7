namespace Milvus.Akka.Expressions;

/// <summary>
/// Bounds on one filter, so that no filter can exhaust a node's stack or memory. The proxy holds every filter a client
/// sends to the limits configured under <c>milvus.proxy.filter</c> (hocon/role.proxy.hocon); nodes that parse filters
/// the proxy already accepted, or built itself (<c>pk in [..]</c> over a query's keys), use <see cref="Internal"/>.
/// </summary>
public sealed record FilterLimits
{
    /// <summary>
    /// The deepest nesting any parse accepts, whatever is configured. Parsing, binding and evaluating recurse once per
    /// level, and the parser alone takes some 2.4 KiB of stack a level before the JIT optimises it: 256 levels fit in
    /// 1 MiB with room to spare (LimitTests runs them on a 1 MiB thread; .NET threads get 1.5 MiB by default). No
    /// hand-written filter comes close. A stack check behind it refuses, rather than overflows, on a smaller stack.
    /// </summary>
    public const int DepthCeiling = 256;

    public FilterLimits(int maxLength, int maxDepth, int maxListItems)
    {
        MaxLength = maxLength > 0 ? maxLength : throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "the max filter length must be positive");
        MaxDepth = maxDepth is > 0 and <= DepthCeiling ? maxDepth
            : throw new ArgumentOutOfRangeException(nameof(maxDepth), maxDepth, $"the max filter depth must be in [1, {DepthCeiling}]");
        MaxListItems = maxListItems > 0 ? maxListItems : throw new ArgumentOutOfRangeException(nameof(maxListItems), maxListItems, "the max list items must be positive");
    }

    /// <summary>The longest filter, in characters.</summary>
    public int MaxLength { get; }

    /// <summary>The deepest nesting: parentheses, lists, <c>not</c>, signs, chained arithmetic operators and <c>[key]</c> each add a level.</summary>
    public int MaxDepth { get; }

    /// <summary>The most items in one list (<c>in [..]</c>, <c>array_contains_any(a, [..])</c>, a template list).</summary>
    public int MaxListItems { get; }

    /// <summary>What the proxy applies unless configured otherwise (see hocon/role.proxy.hocon).</summary>
    public static FilterLimits Default { get; } = new(maxLength: 1 << 20, maxDepth: 100, maxListItems: 100_000);

    /// <summary>Only the depth ceiling: for filters that already passed the proxy's limits or that the cluster wrote itself.</summary>
    public static FilterLimits Internal { get; } = new(int.MaxValue, DepthCeiling, int.MaxValue);
}
