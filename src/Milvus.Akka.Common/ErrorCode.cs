namespace Milvus.Akka.Common;

/// <summary>
/// Milvus status codes (the new <c>code</c> field of common.Status), grouped by domain as upstream's merr.
/// <see cref="MilvusErrors.LegacyCode"/> maps each to the legacy <c>error_code</c> enum the SDKs also read.
/// </summary>
public enum ErrorCode
{
    Success = 0,
    ServiceNotReady = 1,
    ServiceUnavailable = 2,
    ServiceMemoryLimitExceeded = 3,
    ServiceRequestLimitExceeded = 4,
    ServiceInternal = 5,
    ServiceCrossClusterRouting = 6,
    ServiceDiskLimitExceeded = 7,
    ServiceRateLimit = 8,
    ServiceQuotaExceeded = 9,
    ServiceUnimplemented = 10,
    ServiceTimeTickLongDelay = 11,
    ServiceResourceInsufficient = 12,

    CollectionNotFound = 100,
    CollectionNotLoaded = 101,
    CollectionNumLimitExceeded = 102,
    CollectionNotFullyLoaded = 103,
    CollectionLoaded = 104,
    CollectionIllegalSchema = 105,
    CollectionOnRecovering = 106,
    CollectionVectorClusteringKeyNotAllowed = 107,
    CollectionReplicateMode = 108,
    CollectionSchemaMismatch = 109,

    PartitionNotFound = 200,
    PartitionNotLoaded = 201,
    PartitionNotFullyLoaded = 202,

    ResourceGroupNotFound = 300,
    ResourceGroupAlreadyExist = 301,
    ResourceGroupReachLimit = 302,
    ResourceGroupIllegalConfig = 303,
    ResourceGroupNodeNotEnough = 304,

    ReplicaNotFound = 400,
    ReplicaNotAvailable = 401,

    ChannelNotFound = 500,
    ChannelLack = 501,
    ChannelReduplicate = 502,
    ChannelNotAvailable = 503,

    SegmentNotFound = 600,
    SegmentNotLoaded = 601,
    SegmentLack = 602,
    SegmentReduplicate = 603,
    SegmentLoadFailed = 604,

    IndexNotFound = 700,
    IndexNotSupported = 701,
    IndexDuplicate = 702,

    DatabaseNotFound = 800,
    DatabaseNumLimitExceeded = 801,
    DatabaseInvalidName = 802,

    NodeNotFound = 901,
    NodeOffline = 902,
    NodeLack = 903,
    NodeNotMatch = 904,
    NodeNotAvailable = 905,

    IoFailed = 1000,
    IoKeyNotFound = 1001,
    IoUnexpectEof = 1002,

    ParameterInvalid = 1100,
    ParameterMissing = 1101,
    ParameterTooLarge = 1102,

    MetricNotFound = 1200,

    MessageQueueFailed = 1300,

    TimestampTooOld = 1400,

    FieldNotFound = 1700,

    ImportFailed = 2100,

    CompactionReadDeltaLogError = 2300,

    OperationNotSupported = 2400,

    UndefinedError = 65535,
}

/// <summary>Retry and legacy-code rules of the error catalogue.</summary>
public static class MilvusErrors
{

    /// <summary>Whether a caller may retry the request unchanged (the node was busy, moving or not ready, or the request was rate-limited).</summary>
    public static bool IsRetriable(this ErrorCode code) => code is ErrorCode.ServiceNotReady or ErrorCode.ServiceUnavailable or ErrorCode.ServiceRateLimit
        or ErrorCode.ChannelNotAvailable or ErrorCode.NodeNotAvailable or ErrorCode.ServiceTimeTickLongDelay;

    /// <summary>The legacy common.ErrorCode value that older SDK code paths still inspect.</summary>
    public static int LegacyCode(this ErrorCode code) => code switch
    {
        ErrorCode.Success => 0,
        ErrorCode.CollectionNotFound => 4,
        ErrorCode.ParameterInvalid or ErrorCode.ParameterMissing or ErrorCode.ParameterTooLarge
            or ErrorCode.CollectionIllegalSchema or ErrorCode.MetricNotFound => 5,
        ErrorCode.IndexNotFound => 25,
        // The SDKs describe the collection again and resend a write answered SchemaMismatch.
        ErrorCode.CollectionSchemaMismatch => 62,
        ErrorCode.CollectionNotLoaded or ErrorCode.PartitionNotLoaded => 101,
        ErrorCode.ServiceNotReady => 23,
        // Milvus's merr.oldCode: RateLimit, InsufficientMemoryToLoad, DiskQuotaExhausted, ForceDeny.
        ErrorCode.ServiceRateLimit => 49,
        ErrorCode.ServiceMemoryLimitExceeded => 52,
        ErrorCode.ServiceDiskLimitExceeded => 54,
        ErrorCode.ServiceQuotaExceeded => 48,
        ErrorCode.IoFailed or ErrorCode.IoKeyNotFound or ErrorCode.IoUnexpectEof => 1,
        _ => 1,
    };
}

/// <summary>A failure with a Milvus status code; thrown at boundaries, mapped to a Status at the edge.</summary>
public sealed class MilvusException(ErrorCode code, string message, Exception? inner = null) : Exception(message, inner)
{
    public ErrorCode Code { get; } = code;

    public bool Retriable => Code.IsRetriable();
}
