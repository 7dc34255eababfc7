using System.Text;
using Akka.Configuration;
using Akka.Persistence.Sql;
using Milvus.Akka.Client;

namespace Milvus.Akka.Server;

/// <summary>
/// Builds a node's configuration: the shipped hocon/ files in a fixed order, the user's --config file, then the
/// command-line options. It is parsed as one text, so substitutions such as ${milvus.data-dir} see the final values.
/// </summary>
public static class MilvusConfig
{
    private static readonly string[] ShippedFiles =
    [
        "milvus.base.hocon",
        "role.coordinator.hocon", "role.streaming.hocon", "role.query.hocon", "role.data.hocon", "role.proxy.hocon",
        "storage.local.hocon", "storage.s3.hocon", "meta.sqlite.hocon", "meta.etcd.hocon",
        "persistence.sqlite.hocon", "persistence.kafka.hocon",
    ];

    public static Config Load(NodeOptions options)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "hocon");
        var text = new StringBuilder();
        foreach (var file in ShippedFiles)
        {
            text.AppendLine(File.ReadAllText(Path.Combine(directory, file)));
        }

        if (options.ConfigFile is not null)
        {
            text.AppendLine(File.ReadAllText(options.ConfigFile));
        }

        var dataDir = Path.GetFullPath(options.DataDir);
        text.AppendLine($"milvus.data-dir = {Quote(dataDir)}");
        var roles = string.Join(", ", options.Roles.Select(Quote));
        text.AppendLine($"milvus.roles = [{roles}]");
        text.AppendLine($"akka.cluster.roles = [{roles}]");
        text.AppendLine($"akka.remote.dot-netty.tcp.port = {options.Port}");
        if (options.Seeds.Length > 0)
        {
            text.AppendLine($"akka.cluster.seed-nodes = [{string.Join(", ", options.Seeds.Select(Quote))}]");
        }

        if (options.ExtraConfig is not null)
        {
            text.AppendLine(options.ExtraConfig);
        }

        return ConfigurationFactory.ParseString(text.ToString()).WithFallback(SqlPersistence.DefaultConfiguration)
            .WithFallback(MilvusClusterClient.DefaultConfig);
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
