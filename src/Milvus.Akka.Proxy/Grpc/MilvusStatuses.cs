using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Milvus.Akka.Common;
using ErrorCode = Milvus.Akka.Common.ErrorCode;
using LegacyErrorCode = Milvus.Akka.Grpc.Protocol.Common.ErrorCode;
using MilvusStatus = Milvus.Akka.Grpc.Protocol.Common.Status;

namespace Milvus.Akka.Proxy.Grpc;

/// <summary>common.Status values as Milvus fills them: both the legacy error_code and the new code, always.</summary>
public static class MilvusStatuses
{
    private static readonly ConcurrentDictionary<MessageDescriptor, FieldDescriptor?> StatusFields = new();
    public static MilvusStatus Success => new();

    public static MilvusStatus Failure(ErrorCode code, string reason)
    {
        var status = new MilvusStatus
        {
            ErrorCode = (LegacyErrorCode)code.LegacyCode(),
            Code = (int)code,
            Reason = reason,
            Detail = reason,
            Retriable = code.IsRetriable(),
        };
        if (code is ErrorCode.ParameterInvalid or ErrorCode.ParameterMissing or ErrorCode.ParameterTooLarge or ErrorCode.CollectionIllegalSchema)
        {
            status.ExtraInfo["is_input_error"] = "true";
        }

        return status;
    }

    /// <summary>The common.Status a response carries (itself, or its status field), or null.</summary>
    public static MilvusStatus? StatusOf(IMessage? response) => response switch
    {
        null => null,
        MilvusStatus status => status,
        _ => StatusField(response.Descriptor)?.Accessor.GetValue(response) as MilvusStatus,
    };

    /// <summary>A response type's common.Status field; null for the one replication stream without one.</summary>
    public static FieldDescriptor? StatusField(MessageDescriptor response) => StatusFields.GetOrAdd(response, d => d.Fields.InDeclarationOrder()
        .FirstOrDefault(f => f.FieldType == FieldType.Message && f.MessageType == MilvusStatus.Descriptor));
}
