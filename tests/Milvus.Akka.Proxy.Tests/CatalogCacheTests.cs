using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;

namespace Milvus.Akka.Proxy.Tests;

public sealed class CatalogCacheTests
{
    private static readonly CollectionSchema Schema = new()
    {
        Name = "books",
        Fields =
        [
            new FieldSchema { FieldId = 100, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
            new FieldSchema
            {
                FieldId = 101, Name = "vec", DataType = DataType.FloatVector,
                TypeParams = ImmutableSortedDictionary.CreateRange([KeyValuePair.Create(FieldSchema.DimKey, "4")]),
            },
        ],
    };

    private DateTimeOffset _now = DateTimeOffset.UnixEpoch;

    private CatalogCache NewCache() => new(TimeSpan.FromSeconds(30), () => _now);

    private static CollectionInfo Collection(long id, string name = "books", bool loaded = false) =>
        new(id, "default", name, Schema with { Name = name }, 1, ConsistencyLevel.Bounded, [new PartitionInfo(id + 1, "_default", 1)], [], [],
            ImmutableSortedDictionary<string, string>.Empty, 1, loaded);

    [Fact]
    public void Serves_a_description_until_a_newer_catalog_version_is_seen()
    {
        var cache = NewCache();
        cache.Put("default", "books", Collection(7), version: 100);
        Assert.Equal(7, cache.Find("default", "books")!.Id);
        Assert.Null(cache.Find("other", "books"));

        cache.Observe(100);
        Assert.NotNull(cache.Find("default", "books"));

        cache.Observe(101);
        Assert.Null(cache.Find("default", "books"));
        Assert.Equal(101UL, cache.Version);
    }

    [Fact]
    public void A_description_older_than_a_known_change_is_not_kept()
    {
        var cache = NewCache();
        // The describe was answered before a DDL whose reply reached the proxy first.
        cache.Observe(200);
        cache.Put("default", "books", Collection(7), version: 150);
        Assert.Null(cache.Find("default", "books"));

        cache.Put("default", "books", Collection(8), version: 200);
        Assert.Equal(8, cache.Find("default", "books")!.Id);
    }

    [Fact]
    public void A_newer_description_drops_everything_described_before_it()
    {
        var cache = NewCache();
        cache.Put("default", "books", Collection(7), version: 100);
        cache.Put("default", "alias_of_books", Collection(7), version: 100);
        cache.Put("default", "novels", Collection(20, "novels"), version: 120);

        Assert.Null(cache.Find("default", "books"));
        Assert.Null(cache.Find("default", "alias_of_books"));
        Assert.Equal(20, cache.Find("default", "novels")!.Id);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void A_collection_dropped_and_recreated_under_its_name_is_described_again()
    {
        var cache = NewCache();
        cache.Put("default", "books", Collection(7), version: 100);

        // Announcements lost: the old collection's shard answered CollectionNotFound.
        cache.Forget(7);
        Assert.Null(cache.Find("default", "books"));

        cache.Put("default", "books", Collection(9), version: 100);
        Assert.Equal(9, cache.Find("default", "books")!.Id);
        cache.Forget(7);
        Assert.Equal(9, cache.Find("default", "books")!.Id);
    }

    [Fact]
    public void Entries_expire_after_their_maximum_age()
    {
        var cache = NewCache();
        cache.Put("default", "books", Collection(7), version: 100);
        _now += TimeSpan.FromSeconds(29);
        Assert.NotNull(cache.Find("default", "books"));
        _now += TimeSpan.FromSeconds(2);
        Assert.Null(cache.Find("default", "books"));
        Assert.Equal(0, cache.Count);
    }
}
