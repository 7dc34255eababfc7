using System.Collections.Immutable;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// Which resource group each live query node belongs to, by the rules of Milvus's resource manager. Pure, so it is
/// tested without a cluster. A node keeps its group while it lives and the group's node filter admits it. A node
/// without a group goes to the group missing the most nodes (below its requests), else to the one furthest below its
/// limit, else to the default group. Then, until nothing moves: a group below its requests takes a node from the group
/// that can best spare one, and a group above its limit gives one to the group that best takes it, else to the default
/// group. "Best" is Milvus's priority: for a source, its excess over its limit × 1,000,000, else its nodes above its
/// requests × 100,000 when the taker names it in transfer_from, else those nodes; for a target, its shortfall below its
/// requests × 1,000,000, else its room below its limit × 100,000 when the giver names it in transfer_to, else that room
/// (so the default group, with room for 1,000,000 nodes, outranks a transfer_to group with room for fewer than ten).
/// Ties go to the group listed first (the default group, then by creation); a group gives away its last node in
/// <c>nodes</c>' order.
/// </summary>
public static class ResourceGroupAssignment
{
    public static ImmutableDictionary<TNode, string> Assign<TNode>(
        IReadOnlyList<ResourceGroupInfo> groups,
        IReadOnlyList<TNode> nodes,
        IReadOnlyDictionary<TNode, string> current,
        Func<TNode, IReadOnlyCollection<NodeLabel>> labelsOf)
        where TNode : class
    {
        var state = new Groups<TNode>(groups, nodes, labelsOf);
        foreach (var node in nodes)
        {
            if (current.TryGetValue(node, out var group) && state.Exists(group) && state.Accepts(group, node))
            {
                state.Add(group, node);
            }
        }

        foreach (var node in nodes.Where(n => !state.IsPlaced(n)))
        {
            var target = state.Best(g => state.Accepts(g, node) ? state.Missing(g) : 0)
                ?? state.Best(g => state.Accepts(g, node) ? state.BelowLimit(g) : 0)
                ?? ResourceGroups.Default;
            state.Add(target, node);
        }

        // Every move lowers a group's shortfall or excess; the bound only guards against a configuration cycling.
        var rounds = nodes.Count * (groups.Count + 1);
        while (rounds-- > 0 && state.RecoverOnce())
        {
            // RecoverOnce moved a node: another round may move more.
        }

        return state.Assignment();
    }

    private sealed class Groups<TNode> where TNode : class
    {
        private readonly IReadOnlyList<ResourceGroupInfo> _groups;
        private readonly Dictionary<string, ResourceGroupConfig> _configs;
        private readonly Dictionary<string, List<TNode>> _members;
        private readonly Dictionary<TNode, int> _order;
        private readonly Func<TNode, IReadOnlyCollection<NodeLabel>> _labelsOf;

        public Groups(IReadOnlyList<ResourceGroupInfo> groups, IReadOnlyList<TNode> nodes, Func<TNode, IReadOnlyCollection<NodeLabel>> labelsOf)
        {
            _groups = groups;
            _configs = groups.ToDictionary(g => g.Name, g => g.Config);
            _configs.TryAdd(ResourceGroups.Default, ResourceGroups.DefaultConfig);
            _members = _configs.Keys.ToDictionary(g => g, _ => new List<TNode>());
            _order = nodes.Select((node, index) => (node, index)).ToDictionary(n => n.node, n => n.index);
            _labelsOf = labelsOf;
        }

        private IEnumerable<string> Names => _groups.Select(g => g.Name).Prepend(ResourceGroups.Default).Distinct();

        public bool Exists(string group) => _configs.ContainsKey(group);

        public bool Accepts(string group, TNode node) => _configs[group].Accepts(_labelsOf(node));

        public bool IsPlaced(TNode node) => _members.Values.Any(m => m.Contains(node));

        public int Missing(string group) => Math.Max(0, _configs[group].Requests - _members[group].Count);

        public int BelowLimit(string group) => Math.Max(0, _configs[group].Limits - _members[group].Count);

        private int AboveRequests(string group) => Math.Max(0, _members[group].Count - _configs[group].Requests);

        private int AboveLimit(string group) => Math.Max(0, _members[group].Count - _configs[group].Limits);

        public void Add(string group, TNode node)
        {
            var members = _members[group];
            var at = members.FindIndex(m => _order[m] > _order[node]);
            members.Insert(at < 0 ? members.Count : at, node);
        }

        /// <summary>The group with the highest positive score, the first listed among equals; null when none scores.</summary>
        public string? Best(Func<string, int> score)
        {
            string? best = null;
            var bestScore = 0;
            foreach (var name in Names)
            {
                var value = score(name);
                if (value > bestScore)
                {
                    (best, bestScore) = (name, value);
                }
            }

            return best;
        }

        /// <summary>One recovery step per group; returns whether a node moved.</summary>
        public bool RecoverOnce()
        {
            var moved = false;
            foreach (var group in Names)
            {
                if (Missing(group) > 0)
                {
                    var config = _configs[group];
                    var source = Best(s => s == group || AboveRequests(s) == 0 || Movable(s, group) is null ? 0
                        : AboveLimit(s) > 0 ? AboveLimit(s) * 1_000_000
                        : config.TransferFrom.Contains(s) ? AboveRequests(s) * 100_000
                        : AboveRequests(s));
                    moved |= source is not null && Move(source, group);
                }
                else if (AboveLimit(group) > 0)
                {
                    var config = _configs[group];
                    var target = Best(t => t == group || BelowLimit(t) == 0 || Movable(group, t) is null ? 0
                        : Missing(t) > 0 ? Missing(t) * 1_000_000
                        : config.TransferTo.Contains(t) ? BelowLimit(t) * 100_000
                        : BelowLimit(t));
                    target ??= group != ResourceGroups.Default ? ResourceGroups.Default : null;
                    moved |= target is not null && Move(group, target);
                }
            }

            return moved;
        }

        /// <summary>The node <paramref name="source"/> would give <paramref name="target"/>: its last one the target admits.</summary>
        private TNode? Movable(string source, string target) => _members[source].LastOrDefault(n => Accepts(target, n));

        private bool Move(string source, string target)
        {
            if (Movable(source, target) is not { } node)
            {
                return false;
            }

            _members[source].Remove(node);
            Add(target, node);
            return true;
        }

        public ImmutableDictionary<TNode, string> Assignment() =>
            _members.SelectMany(m => m.Value.Select(node => KeyValuePair.Create(node, m.Key))).ToImmutableDictionary();
    }
}
