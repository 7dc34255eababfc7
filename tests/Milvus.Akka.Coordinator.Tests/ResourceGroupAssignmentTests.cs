using System.Collections.Immutable;
using Milvus.Akka.Coordinator;

namespace Milvus.Akka.Coordinator.Tests;

/// <summary>Which resource group each query node belongs to, by Milvus's resource manager rules (<see cref="ResourceGroupAssignment"/>).</summary>
public sealed class ResourceGroupAssignmentTests
{
    private static readonly ImmutableDictionary<string, string> Nobody = ImmutableDictionary<string, string>.Empty;

    private static ResourceGroupInfo Group(string name, int requests, int limits, ulong created = 1) => new(name, new ResourceGroupConfig(requests, limits), created);

    private static ImmutableDictionary<string, string> Assign(
        IReadOnlyList<ResourceGroupInfo> groups, IReadOnlyList<string> nodes, IReadOnlyDictionary<string, string>? current = null,
        IReadOnlyDictionary<string, NodeLabel[]>? labels = null) =>
        ResourceGroupAssignment.Assign([ResourceGroups.DefaultGroup, .. groups], nodes, current ?? Nobody, n => labels?.GetValueOrDefault(n) ?? []);

    private static string[] Members(ImmutableDictionary<string, string> assignment, string group) =>
        [.. assignment.Where(a => a.Value == group).Select(a => a.Key).Order(StringComparer.Ordinal)];

    [Fact]
    public void Without_named_groups_every_node_is_in_the_default_group()
    {
        var assignment = Assign([], ["q1", "q2", "q3"]);

        Assert.Equal(["q1", "q2", "q3"], Members(assignment, ResourceGroups.Default));
    }

    [Fact]
    public void A_group_below_its_requests_takes_nodes_from_the_default_group_and_the_rest_stay()
    {
        var assignment = Assign([Group("rg1", 2, 2)], ["q1", "q2", "q3"]);

        Assert.Equal(2, Members(assignment, "rg1").Length);
        Assert.Single(Members(assignment, ResourceGroups.Default));
    }

    [Fact]
    public void A_new_node_joins_the_group_missing_the_most_nodes_before_the_default_group()
    {
        var current = new Dictionary<string, string> { ["q1"] = ResourceGroups.Default, ["q2"] = "rg1" };

        var assignment = Assign([Group("rg1", 1, 1), Group("rg2", 2, 2, created: 2)], ["q1", "q2", "q3"], current);

        // rg2 misses two: the newcomer q3 goes there, then rg2 takes q1 from the default group (above its requests of 0).
        Assert.Equal(["q2"], Members(assignment, "rg1"));
        Assert.Equal(["q1", "q3"], Members(assignment, "rg2"));
        Assert.Empty(Members(assignment, ResourceGroups.Default));
    }

    [Fact]
    public void Nodes_keep_their_group_while_it_is_satisfied()
    {
        var current = new Dictionary<string, string> { ["q1"] = "rg1", ["q2"] = ResourceGroups.Default, ["q3"] = ResourceGroups.Default };

        var assignment = Assign([Group("rg1", 1, 1)], ["q1", "q2", "q3"], current);

        Assert.Equal(current, assignment);
    }

    [Fact]
    public void A_group_above_its_limit_gives_nodes_to_its_transfer_to_group_first_else_to_the_default_group()
    {
        var current = new Dictionary<string, string> { ["q1"] = "rg1", ["q2"] = "rg1", ["q3"] = "rg1" };
        var rg1 = Group("rg1", 1, 1) with { Config = new ResourceGroupConfig(1, 1) { TransferTo = ["rg3"] } };

        // Milvus's priorities: room below the limit, times 100,000 for a transfer_to group (so the default group's
        // 1,000,000 of room wins over a transfer_to group with room for fewer than ten).
        var assignment = Assign([rg1, Group("rg2", 0, 20, created: 2), Group("rg3", 0, 20, created: 3)], ["q1", "q2", "q3"], current);

        Assert.Equal(["q1"], Members(assignment, "rg1"));
        Assert.Equal(["q2", "q3"], Members(assignment, "rg3"));
        var small = Assign([rg1, Group("rg3", 0, 5, created: 3)], ["q1", "q2", "q3"], current);
        Assert.Equal(["q2", "q3"], Members(small, ResourceGroups.Default));

        var dropped = Assign([Group("rg1", 0, 0)], ["q1", "q2", "q3"], current);
        Assert.Equal(["q1", "q2", "q3"], Members(dropped, ResourceGroups.Default));
    }

    [Fact]
    public void A_group_below_its_requests_takes_from_its_transfer_from_group_before_others()
    {
        var current = new Dictionary<string, string> { ["q1"] = "rg1", ["q2"] = "rg1", ["q3"] = "rg2", ["q4"] = "rg2" };
        var rg3 = new ResourceGroupInfo("rg3", new ResourceGroupConfig(1, 1) { TransferFrom = ["rg2"] }, 3);

        var assignment = Assign([Group("rg1", 0, 5), Group("rg2", 0, 5, created: 2), rg3], ["q1", "q2", "q3", "q4"], current);

        Assert.Equal(["q1", "q2"], Members(assignment, "rg1"));
        Assert.Single(Members(assignment, "rg2"));
        Assert.Single(Members(assignment, "rg3"));
        Assert.Contains(Members(assignment, "rg3")[0], new[] { "q3", "q4" });
    }

    [Fact]
    public void A_node_filter_admits_only_nodes_carrying_its_labels()
    {
        var ssd = new ResourceGroupInfo("ssd", new ResourceGroupConfig(2, 2) { NodeLabels = [new NodeLabel("disk", "ssd")] }, 1);
        var labels = new Dictionary<string, NodeLabel[]> { ["q2"] = [new NodeLabel("disk", "ssd"), new NodeLabel("zone", "a")] };

        var assignment = Assign([ssd], ["q1", "q2", "q3"], labels: labels);

        Assert.Equal(["q2"], Members(assignment, "ssd"));
        Assert.Equal(["q1", "q3"], Members(assignment, ResourceGroups.Default));

        // A node whose group's filter no longer admits it leaves that group.
        var unlabeled = Assign([ssd], ["q1", "q2", "q3"], new Dictionary<string, string> { ["q1"] = "ssd" }, labels);
        Assert.Equal(["q2"], Members(unlabeled, "ssd"));
    }

    [Fact]
    public void A_node_of_a_dropped_group_returns_to_the_default_group()
    {
        var assignment = Assign([], ["q1", "q2"], new Dictionary<string, string> { ["q1"] = "gone", ["q2"] = ResourceGroups.Default });

        Assert.Equal(["q1", "q2"], Members(assignment, ResourceGroups.Default));
    }
}
