using Milvus.Akka.Common;

namespace Milvus.Akka.Coordinator;

public static partial class SchemaValidator
{
    /// <summary>
    /// Milvus's AddCollectionField rules: one nullable field (rows already written have no value for it, so they read
    /// null or its default), neither a key nor a function output, with a name no static field has; a vector field
    /// (Milvus 3.0) within the vector field limit. The field takes the next free id and the schema's version goes up by one.
    /// </summary>
    public static CollectionSchema AddField(CollectionSchema schema, FieldSchema field)
    {
        if (field.IsDynamic || field.Name == CollectionSchema.DynamicFieldName)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "cannot add a dynamic field ($meta) to an existing collection");
        }

        CheckName(field.Name, "field");

        if (schema.FindField(field.Name) is not null || schema.FindStruct(field.Name) is not null)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"duplicate field name: {field.Name}");
        }

        if (field.IsPrimaryKey || field.AutoId || field.IsPartitionKey || field.IsClusteringKey || field.IsFunctionOutput)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"added field '{field.Name}' cannot be a primary key, partition key, clustering key, auto id or function output field");
        }

        if (!field.Nullable)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"added field must be nullable, please check it, field name = {field.Name}");
        }

        var vectorFields = schema.Fields.Count(f => f.DataType.IsVector());
        if (field.DataType.IsVector() && vectorFields >= MaxVectorFields)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"the collection already has {vectorFields} vector fields, the maximum is {MaxVectorFields}");
        }

        var staticFields = schema.Fields.Count(f => !f.IsDynamic);
        if (staticFields >= MaxFields)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"the collection already has {staticFields} fields, the maximum is {MaxFields}");
        }

        Check(field);
        return WithAdded(schema, field);
    }

    /// <summary>
    /// Milvus 2.6's dynamicfield.enabled on an existing collection: a nullable dynamic field ($meta) added as
    /// AddCollectionField adds a field, so rows written before read no dynamic keys.
    /// </summary>
    public static CollectionSchema EnableDynamicField(CollectionSchema schema) => WithAdded(schema with { EnableDynamicField = true },
        new FieldSchema { FieldId = 0, Name = CollectionSchema.DynamicFieldName, DataType = DataType.Json, IsDynamic = true, Nullable = true });

    /// <summary>The field added with the next free id, the schema's version one more.</summary>
    private static CollectionSchema WithAdded(CollectionSchema schema, FieldSchema field) => schema with
    {
        Fields = schema.Fields.Add(field with { FieldId = schema.Fields.Max(f => f.FieldId) + 1 }),
        Version = schema.Version + 1,
    };
}
