using Google.Protobuf.Reflection;

namespace Milvus.Akka.Grpc.Tests;

/// <summary>Lists, one line each, where our protocol differs from what the SDK puts on the wire.</summary>
public static class ProtocolDiff
{
    /// <summary>SDK rpcs that we lack or declare with other request/response types or streaming.</summary>
    public static List<string> Rpcs(SdkProtoDescriptors sdk, ServiceDescriptor ours)
    {
        var ourRpcs = ProtocolShapes.Rpcs(ours);
        var differences = new List<string>();
        foreach (var (name, sdkShape) in ProtocolShapes.Rpcs(sdk))
        {
            if (!ourRpcs.TryGetValue(name, out var ourShape))
                differences.Add($"rpc {name}: missing (SDK: {sdkShape})");
            else if (ourShape != sdkShape)
                differences.Add($"rpc {name}: SDK `{sdkShape}`, ours `{ourShape}`");
        }
        return differences;
    }

    /// <summary>For each named SDK type: missing in ours, or a field / enum value that differs.</summary>
    public static List<string> Types(SdkProtoDescriptors sdk, IReadOnlyDictionary<string, IDescriptor> ours, IEnumerable<string> typeNames)
    {
        var differences = new List<string>();
        foreach (var name in typeNames)
        {
            var sdkIsEnum = sdk.IsEnum(name);
            switch (ours.GetValueOrDefault(name))
            {
                case null:
                    differences.Add($"{name}: missing ({(sdkIsEnum ? "enum" : "message")} in the SDK)");
                    break;
                case MessageDescriptor message when !sdkIsEnum:
                    Compare(name, ProtocolShapes.Fields(sdk, name), ProtocolShapes.Fields(message), "field", differences);
                    break;
                case EnumDescriptor e when sdkIsEnum:
                    Compare(name, ProtocolShapes.Values(sdk, name), ProtocolShapes.Values(e), "value", differences);
                    break;
                default:
                    differences.Add($"{name}: a {(sdkIsEnum ? "enum" : "message")} in the SDK but not in ours");
                    break;
            }
        }
        return differences;
    }

    private static void Compare<T>(
        string typeName, IDictionary<string, T> sdk, IDictionary<string, T> ours, string member, List<string> differences)
        where T : notnull
    {
        foreach (var (name, sdkShape) in sdk)
        {
            if (!ours.TryGetValue(name, out var ourShape))
                differences.Add($"{typeName}.{name}: {member} missing (SDK: {sdkShape})");
            else if (!EqualityComparer<T>.Default.Equals(sdkShape, ourShape))
                differences.Add($"{typeName}.{name}: SDK `{sdkShape}`, ours `{ourShape}`");
        }
        foreach (var (name, ourShape) in ours)
            if (!sdk.ContainsKey(name))
                differences.Add($"{typeName}.{name}: {member} not in the SDK (ours: {ourShape})");
    }
}
