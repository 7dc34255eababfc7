using System.Text.Json.Nodes;
using Google.Protobuf.Reflection;

namespace Milvus.Akka.Grpc.Tests;

/// <summary>
/// Reduces both sides (our compiled descriptors and the SDK's protobufjs JSON) to the same canonical text per
/// rpc, field and enum value, so a comparison can name every difference precisely. A field's shape is its
/// number, label (repeated / optional / map / oneof) and fully-qualified type; a rpc's shape is its streaming
/// flags and fully-qualified request and response types.
/// </summary>
public static class ProtocolShapes
{
    private static readonly HashSet<string> ScalarTypes =
    [
        "double", "float", "int32", "int64", "uint32", "uint64", "sint32", "sint64",
        "fixed32", "fixed64", "sfixed32", "sfixed64", "bool", "string", "bytes",
    ];

    /// <summary>Our messages and enums by full name; map-entry types are an encoding detail and left out.</summary>
    public static Dictionary<string, IDescriptor> IndexTypes(IEnumerable<FileDescriptor> files)
    {
        var types = new Dictionary<string, IDescriptor>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            foreach (var e in file.EnumTypes)
                types.Add(e.FullName, e);
            foreach (var m in file.MessageTypes)
                AddMessage(m, types);
        }
        return types;
    }

    public static SortedDictionary<string, string> Rpcs(ServiceDescriptor service) =>
        new(service.Methods.ToDictionary(
            m => m.Name,
            m => RpcShape(m.IsClientStreaming, m.InputType.FullName, m.IsServerStreaming, m.OutputType.FullName)),
            StringComparer.Ordinal);

    public static SortedDictionary<string, string> Rpcs(SdkProtoDescriptors sdk)
    {
        var scope = SdkProtoDescriptors.ServiceName[..SdkProtoDescriptors.ServiceName.LastIndexOf('.')];
        var rpcs = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, node) in sdk.Service["methods"]!.AsObject())
        {
            var method = node!.AsObject();
            rpcs.Add(name, RpcShape(
                method["requestStream"]?.GetValue<bool>() ?? false,
                sdk.Resolve(method["requestType"]!.GetValue<string>(), scope),
                method["responseStream"]?.GetValue<bool>() ?? false,
                sdk.Resolve(method["responseType"]!.GetValue<string>(), scope)));
        }
        return rpcs;
    }

    /// <summary>Every message and enum the SDK's MilvusService reaches through requests, responses and fields.</summary>
    public static SortedSet<string> ReachableFromService(SdkProtoDescriptors sdk)
    {
        var reached = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        var scope = SdkProtoDescriptors.ServiceName[..SdkProtoDescriptors.ServiceName.LastIndexOf('.')];
        foreach (var (_, node) in sdk.Service["methods"]!.AsObject())
        {
            pending.Push(sdk.Resolve(node!["requestType"]!.GetValue<string>(), scope));
            pending.Push(sdk.Resolve(node["responseType"]!.GetValue<string>(), scope));
        }
        while (pending.TryPop(out var typeName))
        {
            if (!reached.Add(typeName) || sdk.IsEnum(typeName))
                continue;
            foreach (var (_, field) in sdk.Types[typeName]["fields"]!.AsObject())
            {
                var fieldType = field!["type"]!.GetValue<string>();
                if (!ScalarTypes.Contains(fieldType))
                    pending.Push(sdk.Resolve(fieldType, typeName));
            }
        }
        return reached;
    }

    public static SortedDictionary<string, string> Fields(MessageDescriptor message) =>
        new(message.Fields.InDeclarationOrder().ToDictionary(f => f.Name, FieldShape), StringComparer.Ordinal);

    public static SortedDictionary<string, string> Fields(SdkProtoDescriptors sdk, string messageName)
    {
        var message = sdk.Types[messageName];
        var fields = message["fields"]!.AsObject();
        var oneofOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (oneofName, oneof) in message["oneofs"]?.AsObject() ?? [])
            foreach (var member in oneof!["oneof"]!.AsArray())
                oneofOf[member!.GetValue<string>()] = oneofName;

        var shapes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, node) in fields)
        {
            var field = node!.AsObject();
            var type = SdkTypeName(sdk, field["type"]!.GetValue<string>(), messageName);
            // protobufjs writes a proto3 `optional` field as a one-member oneof named `_<field>`.
            var optional = field["options"]?["proto3_optional"]?.GetValue<bool>() ?? false;
            string label;
            if (field["keyType"] is { } keyType)
                label = $"map<{keyType.GetValue<string>()}, {type}>";
            else if (field["rule"]?.GetValue<string>() == "repeated")
                label = "repeated " + type;
            else if (optional)
                label = "optional " + type;
            else if (oneofOf.TryGetValue(name, out var oneofName))
                label = $"oneof {oneofName} {type}";
            else
                label = type;
            shapes.Add(name, $"{field["id"]!.GetValue<int>()} {label}");
        }
        return shapes;
    }

    public static SortedDictionary<string, int> Values(EnumDescriptor e) =>
        new(e.Values.ToDictionary(v => v.Name, v => v.Number), StringComparer.Ordinal);

    public static SortedDictionary<string, int> Values(SdkProtoDescriptors sdk, string enumName) =>
        new(sdk.Types[enumName]["values"]!.AsObject().ToDictionary(v => v.Key, v => v.Value!.GetValue<int>()),
            StringComparer.Ordinal);

    private static string RpcShape(bool clientStreaming, string request, bool serverStreaming, string response) =>
        $"{(clientStreaming ? "stream " : "")}{request} -> {(serverStreaming ? "stream " : "")}{response}";

    private static string FieldShape(FieldDescriptor field)
    {
        string label;
        if (field.IsMap)
        {
            var entry = field.MessageType;
            label = $"map<{TypeName(entry.FindFieldByNumber(1))}, {TypeName(entry.FindFieldByNumber(2))}>";
        }
        else if (field.IsRepeated)
            label = "repeated " + TypeName(field);
        else if (field.ContainingOneof is { IsSynthetic: true })
            label = "optional " + TypeName(field);
        else if (field.RealContainingOneof is { } oneof)
            label = $"oneof {oneof.Name} {TypeName(field)}";
        else
            label = TypeName(field);
        return $"{field.FieldNumber} {label}";
    }

    private static string TypeName(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.Message => field.MessageType.FullName,
        FieldType.Enum => field.EnumType.FullName,
        var scalar => scalar.ToString().ToLowerInvariant(),
    };

    private static string SdkTypeName(SdkProtoDescriptors sdk, string type, string scope) =>
        ScalarTypes.Contains(type) ? type : sdk.Resolve(type, scope);

    private static void AddMessage(MessageDescriptor message, Dictionary<string, IDescriptor> types)
    {
        types.Add(message.FullName, message);
        var mapEntries = message.Fields.InDeclarationOrder().Where(f => f.IsMap).Select(f => f.MessageType).ToHashSet();
        foreach (var e in message.EnumTypes)
            types.Add(e.FullName, e);
        foreach (var nested in message.NestedTypes.Where(n => !mapEntries.Contains(n)))
            AddMessage(nested, types);
    }
}
