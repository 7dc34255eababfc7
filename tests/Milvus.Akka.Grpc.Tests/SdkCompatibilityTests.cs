using Google.Protobuf.Reflection;
using Xunit;

namespace Milvus.Akka.Grpc.Tests;

/// <summary>
/// Our .proto files against the oracle: the descriptors the official Node SDK (pinned in tests/compat) sends
/// with. Every rpc and every type its MilvusService reaches must match field by field, and enum value names
/// too, because the SDK decodes enums by name.
/// </summary>
public sealed class SdkCompatibilityTests
{
    // Types that no field references because they travel serialized in `bytes` fields
    // (SearchRequest.placeholder_group, CreateCollectionRequest.schema, AddCollectionFieldRequest.schema).
    private static readonly string[] CarriedAsBytes =
        ["milvus.proto.common.PlaceholderGroup", "milvus.proto.schema.CollectionSchema", "milvus.proto.schema.FieldSchema"];

    private readonly SdkProtoDescriptors _sdk = SdkProtoDescriptors.LoadPinned();
    private readonly Dictionary<string, IDescriptor> _ours = ProtocolShapes.IndexTypes(MilvusProtocol.Files);

    [Fact]
    public void Every_sdk_rpc_exists_with_the_same_request_response_and_streaming()
    {
        var differences = ProtocolDiff.Rpcs(_sdk, MilvusProtocol.Service);

        Assert.True(differences.Count == 0, Report("rpcs differ from the SDK", differences));
        Assert.Equal(143, ProtocolShapes.Rpcs(_sdk).Count);
    }

    [Fact]
    public void Our_service_has_no_rpc_the_sdk_lacks()
    {
        var sdkRpcs = ProtocolShapes.Rpcs(_sdk);
        var ourRpcs = ProtocolShapes.Rpcs(MilvusProtocol.Service);

        Assert.Empty(ourRpcs.Keys.Except(sdkRpcs.Keys));
    }

    [Fact]
    public void Every_type_the_sdk_service_reaches_or_that_we_share_is_identical()
    {
        var reachable = ProtocolShapes.ReachableFromService(_sdk);
        var shared = _ours.Keys.Where(_sdk.Types.ContainsKey);

        var differences = ProtocolDiff.Types(
            _sdk, _ours, reachable.Union(CarriedAsBytes).Union(shared).Order(StringComparer.Ordinal));

        Assert.True(differences.Count == 0, Report("types differ from the SDK", differences));
        Assert.True(reachable.Count > 250, $"only {reachable.Count} types reached: the SDK descriptors were not walked");
    }

    [Fact]
    public void We_define_no_type_the_sdk_lacks()
    {
        var oursOnly = _ours.Keys.Where(name => !_sdk.Types.ContainsKey(name));

        Assert.Empty(oursOnly);
    }

    [Fact]
    public void The_comparison_names_each_kind_of_difference()
    {
        var sdk = SdkProtoDescriptors.LoadPinnedCopy();
        var common = sdk.Root["nested"]!["milvus"]!["nested"]!["proto"]!["nested"]!["common"]!["nested"]!;
        common["KeyValuePair"]!["fields"]!["value"]!["id"] = 3;
        common["KeyValuePair"]!["fields"]!["key"]!["rule"] = "repeated";
        common["LoadState"]!["values"]!.AsObject().Remove("LoadStateLoaded");
        common["LoadState"]!["values"]!["Loaded"] = 3;
        var methods = sdk.Service["methods"]!;
        methods["HasCollection"]!["responseType"] = "common.Status";
        methods["Search"]!["responseStream"] = true;

        var oursWithoutPlaceholders = _ours.Where(t => t.Key != "milvus.proto.common.PlaceholderGroup").ToDictionary();

        var typeDifferences = ProtocolDiff.Types(
            sdk,
            oursWithoutPlaceholders,
            ["milvus.proto.common.KeyValuePair", "milvus.proto.common.LoadState", "milvus.proto.common.PlaceholderGroup"]);
        var rpcDifferences = ProtocolDiff.Rpcs(sdk, MilvusProtocol.Service);

        Assert.Equal(
            [
                "milvus.proto.common.KeyValuePair.key: SDK `1 repeated string`, ours `1 string`",
                "milvus.proto.common.KeyValuePair.value: SDK `3 string`, ours `2 string`",
                "milvus.proto.common.LoadState.Loaded: value missing (SDK: 3)",
                "milvus.proto.common.LoadState.LoadStateLoaded: value not in the SDK (ours: 3)",
                "milvus.proto.common.PlaceholderGroup: missing (message in the SDK)",
            ],
            typeDifferences);
        Assert.Equal(
            [
                "rpc HasCollection: SDK `milvus.proto.milvus.HasCollectionRequest -> milvus.proto.common.Status`, " +
                "ours `milvus.proto.milvus.HasCollectionRequest -> milvus.proto.milvus.BoolResponse`",
                "rpc Search: SDK `milvus.proto.milvus.SearchRequest -> stream milvus.proto.milvus.SearchResults`, " +
                "ours `milvus.proto.milvus.SearchRequest -> milvus.proto.milvus.SearchResults`",
            ],
            rpcDifferences);
    }

    private static string Report(string title, List<string> differences) =>
        $"{differences.Count} {title}:{Environment.NewLine}{string.Join(Environment.NewLine, differences)}";
}
