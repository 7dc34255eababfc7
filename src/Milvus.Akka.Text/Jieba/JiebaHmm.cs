using System.Text.Json;

namespace Milvus.Akka.Text.Jieba;

/// <summary>
/// jieba's hidden Markov model for words the dictionary lacks: each ideograph of a run is the Begin, Middle or End of
/// a word or a Single-character word, and the most likely labelling (Viterbi) cuts the run. The start and transition
/// probabilities are jieba's (finalseg); the emission table, one log probability per ideograph and state, is its
/// <c>prob_emit</c>, embedded.
/// </summary>
internal static class JiebaHmm
{
    private const string EmissionResource = "Milvus.Akka.Text.jieba.prob_emit.json";

    /// <summary>jieba's stand-in for log 0.</summary>
    private const double MinLog = -3.14e100;

    /// <summary>The ideographs the model knows: CJK Unified Ideographs U+4E00–U+9FD5 (jieba's finalseg range).</summary>
    private const char First = '\u4E00';
    private const char Last = '\u9FD5';

    // States in the order jieba breaks ties between equal probabilities: by the state's letter, B < E < M < S.
    private const int B = 0, E = 1, M = 2, S = 3;

    private static readonly double[] Start = [-0.26268660809250016, MinLog, MinLog, -1.4652633398537678];

    /// <summary>log P(to | from), [from, to]; transitions jieba never makes (B→B, B→S, ...) are <see cref="MinLog"/>.</summary>
    private static readonly double[,] Transition =
    {
        { MinLog, -0.51082562376599, -0.916290731874155, MinLog },
        { -0.5897149736854513, MinLog, MinLog, -0.8085250474669937 },
        { MinLog, -0.33344856811948514, -1.2603623820268226, MinLog },
        { -0.7211965654669841, MinLog, MinLog, -0.6658631448798212 },
    };

    /// <summary>The states a state may follow.</summary>
    private static readonly int[][] Previous = [[E, S], [B, M], [B, M], [E, S]];

    /// <summary>log P(ideograph | state), indexed [(ideograph - First) * 4 + state].</summary>
    private static readonly Lazy<double[]> Emission = new(LoadEmission);

    public static bool IsModelled(char c) => c is >= First and <= Last;

    /// <summary>
    /// Cuts a run of modelled ideographs, <c>text[start..end]</c> (one UTF-16 unit each), into words, appending
    /// each word's [start, end) to <paramref name="words"/>.
    /// </summary>
    public static void Cut(ReadOnlySpan<char> text, int start, int end, List<(int Start, int End)> words)
    {
        var length = end - start;
        var emission = Emission.Value;
        var scores = new double[length * 4];
        var from = new byte[length * 4];
        for (var state = 0; state < 4; state++)
        {
            scores[state] = Start[state] + emission[(text[start] - First) * 4 + state];
        }

        for (var t = 1; t < length; t++)
        {
            var row = (text[start + t] - First) * 4;
            for (var state = 0; state < 4; state++)
            {
                var best = double.NegativeInfinity;
                var bestFrom = 0;
                var emitted = emission[row + state];
                foreach (var previous in Previous[state])
                {
                    // Summed in jieba's order: an unknown ideograph's log 0 absorbs the rest, and the tie that
                    // leaves is broken as jieba breaks it.
                    var score = scores[(t - 1) * 4 + previous] + Transition[previous, state] + emitted;
                    if (score > best || (score == best && previous > bestFrom))
                    {
                        best = score;
                        bestFrom = previous;
                    }
                }

                scores[t * 4 + state] = best;
                from[t * 4 + state] = (byte)bestFrom;
            }
        }

        // A run ends a word: in E or S, S on a tie.
        var last = (length - 1) * 4;
        var current = scores[last + S] >= scores[last + E] ? S : E;
        Span<byte> path = length <= 512 ? stackalloc byte[length] : new byte[length];
        for (var t = length - 1; t >= 0; t--)
        {
            path[t] = (byte)current;
            current = from[t * 4 + current];
        }

        var begin = 0;
        var next = 0;
        for (var t = 0; t < length; t++)
        {
            switch (path[t])
            {
                case B:
                    begin = t;
                    break;
                case E:
                    words.Add((start + begin, start + t + 1));
                    next = t + 1;
                    break;
                case S:
                    words.Add((start + t, start + t + 1));
                    next = t + 1;
                    break;
            }
        }

        if (next < length)
        {
            words.Add((start + next, end));
        }
    }

    private static double[] LoadEmission()
    {
        using var stream = EmbeddedResources.Open(EmissionResource);
        using var document = JsonDocument.Parse(stream);
        var table = new double[(Last - First + 1) * 4];
        Array.Fill(table, MinLog);
        foreach (var (name, state) in new[] { ("B", B), ("E", E), ("M", M), ("S", S) })
        {
            foreach (var entry in document.RootElement.GetProperty(name).EnumerateObject())
            {
                if (entry.Name.Length == 1 && IsModelled(entry.Name[0]))
                {
                    table[(entry.Name[0] - First) * 4 + state] = entry.Value.GetDouble();
                }
            }
        }

        return table;
    }
}
