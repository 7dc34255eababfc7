using Milvus.Akka.Grpc.Protocol.Common;
using Xunit;
using KeyValuePair = Milvus.Akka.Grpc.Protocol.Common.KeyValuePair;
using MilvusStatus = Milvus.Akka.Grpc.Protocol.Common.Status;

namespace Milvus.Akka.TestSupport;

/// <summary>Small helpers for tests that speak the Milvus gRPC API: key/value pairs and status assertions.</summary>
public static class MilvusRpc
{
    public static KeyValuePair Pair(string key, string value) => new() { Key = key, Value = value };

    /// <summary>Both the legacy error code and the new code say success.</summary>
    public static void Succeeded(MilvusStatus status) =>
        Assert.True(status.ErrorCode == ErrorCode.Success && status.Code == 0, $"status {status.ErrorCode}/{status.Code}: {status.Reason}");

    /// <summary>A failure under both codes: the new <paramref name="code"/>, a legacy code that is not success, a reason naming the problem.</summary>
    public static void Failed(MilvusStatus status, int code, string reasonMentions)
    {
        Assert.True(code == status.Code, $"expected code {code}, got {status.Code}: {status.Reason}");
        Assert.NotEqual(ErrorCode.Success, status.ErrorCode);
        Assert.Contains(reasonMentions, status.Reason);
    }

    /// <summary>An illegal argument under both codes (legacy IllegalArgument, new 1100) whose reason names the problem.</summary>
    public static void IllegalArgument(MilvusStatus status, string reasonMentions)
    {
        Assert.Equal(ErrorCode.IllegalArgument, status.ErrorCode);
        Assert.Equal(1100, status.Code);
        Assert.Contains(reasonMentions, status.Reason);
    }
}
