using System.Text.Json.Nodes;

namespace Milvus.Akka.Grpc.Tests;

/// <summary>
/// The protobufjs JSON descriptors that the official Node SDK (pinned in tests/compat) bundles and hands to
/// its gRPC loader: the exact message shapes the SDK puts on the wire. Types are indexed by full name.
/// </summary>
public sealed class SdkProtoDescriptors
{
    public const string ServiceName = "milvus.proto.milvus.MilvusService";

    // The SDK loads proto-json/milvus.js (original field names) for gRPC; the *.base.js twins are camelCased
    // copies for protobufjs encoding and carry the same numbers.
    private static readonly string[] DescriptorPath =
        ["tests", "compat", "node_modules", "@zilliz", "milvus2-sdk-node", "dist", "milvus", "proto-json", "milvus.js"];

    private static readonly Lazy<SdkProtoDescriptors> Pinned = new(() => Parse(File.ReadAllText(LocatePinnedFile())));

    private readonly Dictionary<string, JsonObject> _types = new(StringComparer.Ordinal);
    private JsonObject? _service;

    private SdkProtoDescriptors(JsonObject root)
    {
        Root = root;
        Index(root, prefix: "");
    }

    /// <summary>The root namespace object; tests may mutate a private copy to prove the comparison notices.</summary>
    public JsonObject Root { get; }

    /// <summary>Message and enum full names (no leading dot), service excluded.</summary>
    public IReadOnlyDictionary<string, JsonObject> Types => _types;

    public JsonObject Service => _service ?? throw new InvalidOperationException($"the SDK descriptors define no {ServiceName}");

    public static SdkProtoDescriptors LoadPinned() => Pinned.Value;

    /// <summary>A private, mutable copy of the pinned descriptors.</summary>
    public static SdkProtoDescriptors LoadPinnedCopy() => new((JsonObject)Pinned.Value.Root.DeepClone());

    /// <summary>Parses the SDK's compiled module: <c>exports.default = { ...protobufjs JSON... };</c>.</summary>
    public static SdkProtoDescriptors Parse(string moduleSource)
    {
        const string marker = "exports.default = ";
        var start = moduleSource.IndexOf(marker, StringComparison.Ordinal);
        var end = moduleSource.LastIndexOf("};", StringComparison.Ordinal);
        if (start < 0 || end < start)
            throw new FormatException("the SDK descriptor module no longer has the form `exports.default = {...};`");
        var json = moduleSource[(start + marker.Length)..(end + 1)];
        return new SdkProtoDescriptors(JsonNode.Parse(json)!.AsObject());
    }

    public bool IsEnum(string fullName) => _types[fullName].ContainsKey("values");

    /// <summary>
    /// Resolves a type reference as protobuf does: relative to the scope it appears in, trying the innermost
    /// enclosing namespace first.
    /// </summary>
    public string Resolve(string typeName, string scope)
    {
        var parts = scope.Split('.');
        for (var i = parts.Length; i >= 0; i--)
        {
            var candidate = i == 0 ? typeName : string.Join('.', parts[..i]) + "." + typeName;
            if (_types.ContainsKey(candidate))
                return candidate;
        }
        throw new InvalidOperationException($"the SDK descriptors reference {typeName} from {scope}, which they do not define");
    }

    private void Index(JsonObject ns, string prefix)
    {
        if (ns["nested"] is not JsonObject nested)
            return;
        foreach (var (name, node) in nested)
        {
            var fullName = prefix.Length == 0 ? name : prefix + "." + name;
            var type = node!.AsObject();
            if (type.ContainsKey("fields") || type.ContainsKey("values"))
                _types[fullName] = type;
            else if (fullName == ServiceName)
                _service = type;
            Index(type, fullName);
        }
    }

    private static string LocatePinnedFile()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "tests", "compat", "package.json")))
                continue;
            var path = Path.Combine([dir.FullName, .. DescriptorPath]);
            return File.Exists(path)
                ? path
                : throw new FileNotFoundException(
                    $"The pinned Node SDK is not installed ({path} is missing): run npm ci in tests/compat.");
        }
        throw new DirectoryNotFoundException(
            $"No tests/compat/package.json above {AppContext.BaseDirectory}: cannot find the pinned Node SDK.");
    }
}
