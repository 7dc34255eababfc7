using System.Collections.Immutable;

namespace Milvus.Akka.Server;

/// <summary>What a node is started with: the command line, or a test.</summary>
public sealed record NodeOptions
{
    public static readonly ImmutableArray<string> AllRoles =
        [Server.Roles.Proxy, Server.Roles.Coordinator, Server.Roles.Streaming, Server.Roles.Query, Server.Roles.Data];

    /// <summary>Roles to run; all of them is the standalone server.</summary>
    public ImmutableArray<string> Roles { get; init; } = AllRoles;

    public string DataDir { get; init; } = "./data";

    /// <summary>A HOCON file layered over the shipped hocon/ files.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>Remoting port; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Seed node addresses (akka.tcp://milvus@host:port); empty forms a new cluster.</summary>
    public ImmutableArray<string> Seeds { get; init; } = [];

    /// <summary>HOCON applied last (tests use it to shorten intervals).</summary>
    public string? ExtraConfig { get; init; }

    public static NodeOptions Parse(IReadOnlyList<string> args)
    {
        var options = new NodeOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"option {args[i]} needs a value");
            options = args[i] switch
            {
                "--roles" => options with { Roles = ParseRoles(Value()) },
                "--data-dir" => options with { DataDir = Value() },
                "--config" => options with { ConfigFile = Value() },
                "--port" => options with { Port = int.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture) },
                "--seed" => options with { Seeds = options.Seeds.Add(Value()) },
                _ => throw new ArgumentException($"unknown option {args[i]}; use --roles, --data-dir, --config, --port, --seed"),
            };
        }

        return options;
    }

    public static ImmutableArray<string> ParseRoles(string text)
    {
        var roles = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(r => r.ToLowerInvariant()).Distinct().ToImmutableArray();
        var unknown = roles.FirstOrDefault(r => r != "standalone" && !AllRoles.Contains(r));
        if (unknown is not null)
        {
            throw new ArgumentException($"unknown role '{unknown}'; roles are {string.Join(", ", AllRoles)} (or standalone)");
        }

        return roles.Contains("standalone") || roles.Length == 0 ? AllRoles : roles;
    }
}

public static class Roles
{
    public const string Proxy = "proxy";
    public const string Coordinator = "coordinator";
    public const string Streaming = "streaming";
    public const string Query = "query";
    public const string Data = "data";
}
