using Milvus.Akka.Common;

namespace Milvus.Akka.Expressions.Evaluation;

/// <summary>
/// A predicate's result under three-valued logic: rows in <see cref="True"/>, rows in <see cref="False"/>, and the rest
/// unknown (a null operand). <c>not</c> swaps the two sets, so <c>not (a &gt; 1)</c> stays false on rows where a is null,
/// as in Milvus. <see cref="False"/> is null when no row is unknown, meaning "every row not in True".
/// Each Truth owns its bitsets: the combinators reuse them in place.
/// </summary>
internal readonly struct Truth(Bitset @true, Bitset? @false)
{
    public Bitset True { get; } = @true;

    public Bitset? False { get; } = @false;

    /// <summary>
    /// Turns raw per-row matches into a Truth: rows outside <paramref name="valid"/> are unknown.
    /// Takes ownership of <paramref name="matches"/>.
    /// </summary>
    public static Truth FromMatches(Bitset matches, Bitset? valid)
    {
        if (valid is null)
        {
            return new Truth(matches, null);
        }

        var whenFalse = matches.Clone().Not().And(valid);
        return new Truth(matches.And(valid), whenFalse);
    }

    public Truth Not() => False is null ? new Truth(True.Not(), null) : new Truth(False, True);

    public Truth And(Truth other)
    {
        if (False is null && other.False is null)
        {
            return new Truth(True.And(other.True), null);
        }

        var whenFalse = FalseSet().Or(other.FalseSet());
        return new Truth(True.And(other.True), whenFalse);
    }

    public Truth Or(Truth other)
    {
        if (False is null && other.False is null)
        {
            return new Truth(True.Or(other.True), null);
        }

        var whenFalse = FalseSet().And(other.FalseSet());
        return new Truth(True.Or(other.True), whenFalse);
    }

    /// <summary>The false set, materialised. Call before <see cref="True"/> is modified.</summary>
    private Bitset FalseSet() => False ?? True.Clone().Not();
}
