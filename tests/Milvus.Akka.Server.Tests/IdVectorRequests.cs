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

    public static KeyValuePair Pair(string key, string value) => new() { Key = key, Value = value };

    public static void Ok(Status status) =>
        Assert.True(status.Code == 0 && status.ErrorCode == Grpc.Protocol.Common.ErrorCode.Success, $"{status.Code}: {status.Reason}");
}
