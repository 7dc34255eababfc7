using System.Collections.Immutable;
using Google.Protobuf;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Coordinator.Formats;

namespace Milvus.Akka.Serialization.Tests;

/// <summary>
/// Catalog format version 2: a collection whose schema has functions (BM25) and function output fields round-trips;
/// collections without functions are still written as version 1, so nodes that read only version 1 keep reading them,
/// and refuse (rather than silently drop the functions of) the others. Its golden file, collection-functions.v2.bin,
/// is read by <see cref="TruncatedCatalogFormatTests"/> with the other later versions.
/// </summary>
public sealed class FunctionCatalogFormatTests
{
    public static readonly CollectionInfo Bm25Collection = Samples.Collection with
    {
        Id = 45,
        Name = "articles",
        Schema = new CollectionSchema
        {
            Name = "articles",
            Fields =
            [
                new FieldSchema { FieldId = 100, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
                new FieldSchema
                {
                    FieldId = 101, Name = "body", DataType = DataType.VarChar,
                    TypeParams = ImmutableSortedDictionary.CreateRange([
                        KeyValuePair.Create(FieldSchema.MaxLengthKey, "1000"), KeyValuePair.Create("enable_analyzer", "true"),
                        KeyValuePair.Create("analyzer_params", """{"type": "english"}""")]),
                },
                new FieldSchema { FieldId = 102, Name = "body_sparse", DataType = DataType.SparseFloatVector, IsFunctionOutput = true },
            ],
            Functions =
            [
                new FunctionSchema
                {
                    Name = "body_bm25", Id = 100, Description = "terms of the body", Type = FunctionType.Bm25,
                    InputFieldNames = ["body"], OutputFieldNames = ["body_sparse"],
                    Params = ImmutableSortedDictionary.CreateRange([KeyValuePair.Create("note", "kept as sent")]),
                },
            ],
        },
        Indexes = [],
    };

    [Fact]
    public void Collection_with_functions_round_trips_through_the_catalog_codec()
    {
        var decoded = CatalogCodec.DecodeCollection(CatalogCodec.Encode(Bm25Collection));

        Assert.Equal(StructuralDump.Of(Bm25Collection), StructuralDump.Of(decoded));
        Assert.Equal(Bm25Collection.Schema, decoded.Schema);
    }

    [Fact]
    public void Only_a_collection_with_functions_is_written_as_version_2()
    {
        Assert.Equal(2u, CollectionEntry.Parser.ParseFrom(CatalogCodec.Encode(Bm25Collection)).FormatVersion);
        Assert.Equal(1u, CollectionEntry.Parser.ParseFrom(CatalogCodec.Encode(Samples.Collection)).FormatVersion);
    }
}
