using System.Collections.Immutable;
using Milvus.Akka.Common;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// Resource groups as Milvus's resource manager keeps them: their configurations and the group of each replica. The
/// catalog only records them; the segments child decides which query nodes belong to each group
/// (<see cref="ResourceGroupAssignment"/>) and places each replica on its group's nodes.
/// </summary>
public sealed partial record CatalogState
{
    public const string ResourceGroupPrefix = "catalog/resource-groups/";

    /// <summary>Milvus's quotaAndLimits.limits.maxResourceGroupNumOfQueryNode.</summary>
    public const int MaxResourceGroups = 1024;

    /// <summary>The default group's name (the <see cref="ResourceGroups"/> property hides the class of that name here).</summary>
    private const string DefaultGroupName = global::Milvus.Akka.Coordinator.ResourceGroups.Default;

    private static readonly ImmutableDictionary<string, ResourceGroupInfo> DefaultResourceGroups =
        ImmutableDictionary<string, ResourceGroupInfo>.Empty.Add(DefaultGroupName, global::Milvus.Akka.Coordinator.ResourceGroups.DefaultGroup);

    public static string KeyOf(ResourceGroupInfo group) => ResourceGroupPrefix + group.Name;

    /// <summary>Every resource group by name; the default one always.</summary>
    public ImmutableDictionary<string, ResourceGroupInfo> ResourceGroups { get; init; } = DefaultResourceGroups;

    /// <summary>The default group first, then the others in the order they were created.</summary>
    private IEnumerable<ResourceGroupInfo> ResourceGroupsInOrder => ResourceGroups.Values
        .OrderBy(g => g.Name != DefaultGroupName)
        .ThenBy(g => g.CreatedTimestamp)
        .ThenBy(g => g.Name, StringComparer.Ordinal);

    public ResourceGroupList ListResourceGroups() => new([.. ResourceGroupsInOrder.Select(g => g.Name)]);

    public Decision<CatalogState> Decide(CreateResourceGroup m, CatalogInputs inputs)
    {
        SchemaValidator.CheckName(m.Name, "resource group");
        if (ResourceGroups.TryGetValue(m.Name, out var existing))
        {
            return existing.Config.SameAs(m.Config)
                ? Unchanged()
                : throw new MilvusException(ErrorCode.ResourceGroupAlreadyExist, $"resource group already exist[rg={m.Name}]");
        }

        if (ResourceGroups.Count >= MaxResourceGroups)
        {
            throw new MilvusException(ErrorCode.ResourceGroupReachLimit, $"resource group num reach limit[rg={m.Name}][limit={MaxResourceGroups}]");
        }

        CheckConfig(m.Name, m.Config);
        return SavedGroups(inputs, [new ResourceGroupInfo(m.Name, m.Config, inputs.Timestamp)]);
    }

    public Decision<CatalogState> Decide(DropResourceGroup m, CatalogInputs inputs)
    {
        if (!ResourceGroups.TryGetValue(m.Name, out var group))
        {
            return Unchanged();
        }

        if (Collections.Values.FirstOrDefault(c => c.ReplicaIds.Any(r => c.ResourceGroupOf(r) == m.Name)) is { } loaded)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"some replicas still loaded in resource group[{m.Name}], release it first: resource group {m.Name} has collection {loaded.Name} loaded");
        }

        if (m.Name == DefaultGroupName)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "default resource group is not deletable");
        }

        if (group.Config.Limits != 0)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"resource group's limits node num is not 0: set limits of resource group {m.Name} to 0 before dropping it");
        }

        if (ResourceGroups.Values.FirstOrDefault(g => g.Config.TransferFrom.Contains(m.Name) || g.Config.TransferTo.Contains(m.Name)) is { } user)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"resource group {m.Name} is used by {user.Name}'s `TransferFrom` or `TransferTo`, remove that configuration first");
        }

        return (this with { ResourceGroups = ResourceGroups.Remove(m.Name) }).Changed(inputs.Timestamp, [new DeleteMeta(KeyOf(group))]);
    }

    public Decision<CatalogState> Decide(UpdateResourceGroups m, CatalogInputs inputs)
    {
        if (m.Groups.IsEmpty)
        {
            return Unchanged();
        }

        foreach (var (name, config) in m.Groups)
        {
            RequireResourceGroup(name);
            CheckConfig(name, config);
        }

        return SavedGroups(inputs, [.. m.Groups.Select(g => ResourceGroups[g.Key] with { Config = g.Value })]);
    }

    /// <summary>
    /// Milvus's deprecated TransferNode, as Milvus now runs it: the source's requests (and, but for the default group,
    /// its limits) shrink by the node count and the target's requests grow by it (its limits too if they fall short);
    /// the nodes then move as the groups' new configurations say.
    /// </summary>
    public Decision<CatalogState> Decide(TransferNode m, CatalogInputs inputs)
    {
        CheckTransfer(m.Source, m.Target, m.NumNode, "NumNode");

        var source = RequireResourceGroup(m.Source);
        var target = RequireResourceGroup(m.Target);
        if (inputs.NodesInGroup(m.Source) is var nodes && nodes < m.NumNode)
        {
            throw new MilvusException(ErrorCode.ResourceGroupNodeNotEnough,
                $"resource group node not enough[rg={m.Source}][currentNodeNum={nodes}][expectedNodeNum={m.NumNode}]");
        }

        var sourceLimits = m.Source == DefaultGroupName
            ? source.Config.Limits
            : Math.Max(0, source.Config.Limits - m.NumNode);
        var targetRequests = target.Config.Requests + m.NumNode;
        return SavedGroups(inputs,
        [
            source with { Config = source.Config with { Requests = Math.Max(0, source.Config.Requests - m.NumNode), Limits = sourceLimits } },
            target with { Config = target.Config with { Requests = targetRequests, Limits = Math.Max(target.Config.Limits, targetRequests) } },
        ]);
    }

    /// <summary>Moves replicas of a loaded collection to another group; the segments child moves their segments to its nodes.</summary>
    public Decision<CatalogState> Decide(TransferReplica m, CatalogInputs inputs)
    {
        if (!ResourceGroups.ContainsKey(m.Source))
        {
            throw new MilvusException(ErrorCode.ResourceGroupNotFound, $"the source resource group[{m.Source}] doesn't exist: resource group not found[rg={m.Source}]");
        }

        if (!ResourceGroups.ContainsKey(m.Target))
        {
            throw new MilvusException(ErrorCode.ResourceGroupNotFound, $"the target resource group[{m.Target}] doesn't exist: resource group not found[rg={m.Target}]");
        }

        var collection = Find(m.Database, m.Collection);
        CheckTransfer(m.Source, m.Target, m.NumReplica, "NumReplica");

        if (!collection.Loaded)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"invalid parameter[expected=Collection not loaded][actual=collection {collection.Name}]");
        }

        var inSource = collection.ReplicaIds.Where(r => collection.ResourceGroupOf(r) == m.Source).ToList();
        if (inSource.Count < m.NumReplica)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"invalid parameter[expected=NumReplica not greater than the number of replica in source resource group][actual=only found [{inSource.Count}] replicas of collection [{collection.Name}] in source resource group [{m.Source}], but {m.NumReplica} require]");
        }

        var groups = collection.ReplicaResourceGroups;
        foreach (var replica in inSource.Take(m.NumReplica))
        {
            groups = m.Target == DefaultGroupName ? groups.Remove(replica) : groups.SetItem(replica, m.Target);
        }

        return Saved(inputs, collection with { ReplicaResourceGroups = groups });
    }

    /// <summary>Milvus's checks of a transfer's arguments: two different groups, a positive count.</summary>
    private static void CheckTransfer(string source, string target, int count, string what)
    {
        if (source == target)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"source resource group and target resource group should not be the same, resource group: {source}");
        }

        if (count <= 0)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"invalid parameter[expected={what} > 0][actual=invalid {what} {count}]");
        }
    }

    private ResourceGroupInfo RequireResourceGroup(string name) =>
        ResourceGroups.GetValueOrDefault(name) ?? throw new MilvusException(ErrorCode.ResourceGroupNotFound, $"resource group not found[rg={name}]");

    /// <summary>Milvus's validateResourceGroupConfig: limits not below requests, neither negative, transfers to other existing groups.</summary>
    private void CheckConfig(string name, ResourceGroupConfig config)
    {
        if (config.Requests < 0 || config.Limits < 0)
        {
            throw IllegalConfig(name, "node num in `requests` or `limits` should not less than 0");
        }

        if (config.Limits < config.Requests)
        {
            throw IllegalConfig(name, "limits node num should not less than requests node num");
        }

        foreach (var (list, other) in config.TransferFrom.Select(g => ("TransferFrom", g)).Concat(config.TransferTo.Select(g => ("TransferTo", g))))
        {
            if (other == name)
            {
                throw IllegalConfig(name, $"resource group in `{list}` {other} should not be itself");
            }

            if (!ResourceGroups.ContainsKey(other))
            {
                throw IllegalConfig(name, $"resource group in `{list}` {other} not exist");
            }
        }
    }

    private static MilvusException IllegalConfig(string name, string reason) =>
        new(ErrorCode.ResourceGroupIllegalConfig, $"resource group illegal config[rg={name}]: {reason}");

    private Decision<CatalogState> SavedGroups(CatalogInputs inputs, IReadOnlyList<ResourceGroupInfo> groups) =>
        (this with { ResourceGroups = ResourceGroups.SetItems(groups.Select(g => KeyValuePair.Create(g.Name, g))) }).Changed(inputs.Timestamp,
            [.. groups.Select(g => new PutMeta(KeyOf(g), CatalogCodec.Encode(g).ToByteArray()))]);
}
