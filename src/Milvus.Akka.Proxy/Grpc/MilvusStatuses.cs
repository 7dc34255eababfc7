using Milvus.Akka.Common;
using ErrorCode = Milvus.Akka.Common.ErrorCode;
using LegacyErrorCode = Milvus.Akka.Grpc.Protocol.Common.ErrorCode;
using MilvusStatus = Milvus.Akka.Grpc.Protocol.Common.Status;

namespace Milvus.Akka.Proxy.Grpc;

/// <summary>common.Status values as Milvus fills them: both the legacy error_code and the new code, always.</summary>
public static class MilvusStatuses
{
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
}
