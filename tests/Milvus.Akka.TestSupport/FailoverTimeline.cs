using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Milvus.Akka.TestSupport;

/// <summary>
/// Where a fail-over's time goes: fed the log lines of the surviving server processes, it records when each step of
/// the fail-over was first logged after the kill (detection, downing, removal, singletons and shards starting
/// elsewhere), so a test can print the steps next to the outage it measured.
/// </summary>
public sealed class FailoverTimeline
{
    /// <summary>The steps in the order a fail-over takes them, each recognised by a line Akka.NET or Milvus.Akka logs.</summary>
    private static readonly (string Step, Regex Line)[] Steps =
    [
        ("unreachable (failure detector)", new Regex("Marking node\\(s\\) as UNREACHABLE", RegexOptions.Compiled)),
        ("downed (process gone: its remoting port refused)", new Regex("its process is gone", RegexOptions.Compiled)),
        ("terminated (quarantined once downed as gone)", new Regex("Marking node as TERMINATED", RegexOptions.Compiled)),
        // Only a decision that downs someone: the resolver also logs "downing []" for a member already downed as gone.
        ("downed (split brain resolver)", new Regex(@"SBR took decision \S+ and is downing \[[^\]]", RegexOptions.Compiled)),
        ("removed (leader)", new Regex("Leader is removing (?!confirmed Exiting)", RegexOptions.Compiled)),
        ("a singleton started (coordinator or sharding's)", new Regex("Singleton manager started singleton actor", RegexOptions.Compiled)),
        ("a moved shard started (sharding allocated it)", new Regex("Shard \\S+ starting here", RegexOptions.Compiled)),
        ("its journal replay began (catalog read)", new Regex("Shard \\S+ replaying its journal", RegexOptions.Compiled)),
        ("a moved shard recovered (journal replayed)", new Regex("Shard \\S+ recovered:", RegexOptions.Compiled)),
    ];

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Dictionary<string, (TimeSpan At, string Node)> _first = [];
    private readonly Lock _lock = new();
    private TimeSpan? _killedAt;

    /// <summary>Steps logged from now on count; earlier lines (start-up, earlier fail-overs) are ignored.</summary>
    public void Killed()
    {
        lock (_lock)
        {
            _first.Clear();
            _killedAt = _clock.Elapsed;
        }
    }

    /// <summary>One line a server process wrote (any thread).</summary>
    public void Line(string node, string line)
    {
        foreach (var (step, pattern) in Steps)
        {
            if (!pattern.IsMatch(line))
            {
                continue;
            }

            lock (_lock)
            {
                if (_killedAt is not null)
                {
                    _first.TryAdd(step, (_clock.Elapsed - _killedAt.Value, node));
                }
            }
        }
    }

    /// <summary>Each step seen since the kill with its delay, in the order of the fail-over.</summary>
    public string Describe()
    {
        lock (_lock)
        {
            return string.Join("; ", Steps.Select(s => _first.TryGetValue(s.Step, out var seen)
                ? $"{s.Step} +{seen.At.TotalSeconds:0.00} s ({seen.Node})"
                : $"{s.Step}: not logged"));
        }
    }
}
