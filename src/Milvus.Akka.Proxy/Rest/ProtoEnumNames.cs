using Google.Protobuf.Reflection;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Schema;

namespace Milvus.Akka.Proxy.Rest;

/// <summary>The .proto names of Milvus's enums (LoadStateLoaded, FloatVector, JSON...), which the RESTful API reads and writes.</summary>
internal static class ProtoEnumNames
{
    public static readonly EnumDescriptor DataType = SchemaReflection.Descriptor.FindTypeByName<EnumDescriptor>("DataType");
    public static readonly EnumDescriptor FunctionType = SchemaReflection.Descriptor.FindTypeByName<EnumDescriptor>("FunctionType");
    public static readonly EnumDescriptor ConsistencyLevel = CommonReflection.Descriptor.FindTypeByName<EnumDescriptor>("ConsistencyLevel");
    public static readonly EnumDescriptor LoadState = CommonReflection.Descriptor.FindTypeByName<EnumDescriptor>("LoadState");
    public static readonly EnumDescriptor CompactionState = CommonReflection.Descriptor.FindTypeByName<EnumDescriptor>("CompactionState");
    public static readonly EnumDescriptor IndexState = CommonReflection.Descriptor.FindTypeByName<EnumDescriptor>("IndexState");

    public static string Name(EnumDescriptor descriptor, int number) =>
        descriptor.FindValueByNumber(number)?.Name ?? number.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The value named <paramref name="name"/>, case-insensitively (REST clients write "int64" and "Int64"), or null.</summary>
    public static int? Number(EnumDescriptor descriptor, string name) =>
        descriptor.Values.FirstOrDefault(v => string.Equals(v.Name, name, StringComparison.OrdinalIgnoreCase))?.Number;
}
