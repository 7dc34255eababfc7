using System.Runtime.InteropServices;
using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using GrpcDataType = Milvus.Akka.Grpc.Protocol.Schema.DataType;
using KeyValuePair = Milvus.Akka.Grpc.Protocol.Common.KeyValuePair;

namespace Milvus.Akka.Server.Tests;

/// <summary>gRPC requests for the (id, vec) collections the server-process tests write: seeded vectors per batch.</summary>
public static class IdVectorRequests
{
    public static CollectionSchema Schema(string collection, int dim) => new()
    {
        Name = collection,
        Fields =
        {
            new FieldSchema { Name = "id", DataType = GrpcDataType.Int64, IsPrimaryKey = true },
            new FieldSchema { Name = "vec", DataType = GrpcDataType.FloatVector, TypeParams = { Pair("dim", dim.ToString()) } },
        },
    };

    /// <summary>Rows with ids <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1.</summary>
    public static InsertRequest Insert(string collection, int dim, long first, int count)
    {
        var random = new Random((int)first);
        var ids = new LongArray();
        var vectors = new FloatArray();
        for (var i = 0; i < count; i++)
        {
            ids.Data.Add(first + i);
            for (var d = 0; d < dim; d++)
            {
                vectors.Data.Add((float)random.NextDouble());
            }
        }

        return new InsertRequest
        {
            CollectionName = collection,
            NumRows = (uint)count,
            FieldsData =
            {
                new FieldData { FieldName = "id", Type = GrpcDataType.Int64, Scalars = new ScalarField { LongData = ids } },
                new FieldData { FieldName = "vec", Type = GrpcDataType.FloatVector, Vectors = new VectorField { Dim = dim, FloatVector = vectors } },
            },
        };
    }

    /// <summary>An nq = 1 L2 search of the "vec" field for the <paramref name="topK"/> nearest rows to <paramref name="vector"/>.</summary>
    public static SearchRequest Search(string collection, float[] vector, int topK, ConsistencyLevel consistency) => new()
    {
        CollectionName = collection,
        PlaceholderGroup = new PlaceholderGroup
        {
            Placeholders = { new PlaceholderValue { Tag = "$0", Type = PlaceholderType.FloatVector, Values = { ByteString.CopyFrom(MemoryMarshal.AsBytes(vector.AsSpan())) } } },
        }.ToByteString(),
        DslType = DslType.BoolExprV1,
        Nq = 1,
        ConsistencyLevel = consistency,
        SearchParams = { Pair("anns_field", "vec"), Pair("topk", topK.ToString()), Pair("metric_type", "L2"), Pair("params", "{}") },
    };

    public static KeyValuePair Pair(string key, string value) => new() { Key = key, Value = value };

    public static void Ok(Status status) =>
        Assert.True(status.Code == 0 && status.ErrorCode == Grpc.Protocol.Common.ErrorCode.Success, $"{status.Code}: {status.Reason}");
}
