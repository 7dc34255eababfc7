namespace Milvus.Akka.Storage.Tests;

public sealed class ObjectPathsTests
{
    [Fact]
    public void Paths_are_positional_and_prefixes_do_not_match_neighbouring_ids()
    {
        Assert.Equal("insert_log/1/2/3/100", ObjectPaths.InsertLog(1, 2, 3, 100));
        Assert.Equal("stats_log/1/2/3/100", ObjectPaths.StatsLog(1, 2, 3, 100));
        Assert.Equal("delta_log/1/2/3/77", ObjectPaths.DeltaLog(1, 2, 3, 77));
        Assert.Equal("segment_manifest/1/2/3.json", ObjectPaths.SegmentManifest(1, 2, 3));
        Assert.Equal("index_files/1/3/100/5/hnsw.bin", ObjectPaths.IndexFile(1, 3, 100, 5, "hnsw.bin"));
        Assert.Equal("snapshots/1/9/meta.json", ObjectPaths.SnapshotFile(1, 9, "meta.json"));

        string[] segment30 = [ObjectPaths.InsertLog(1, 2, 30, 100), ObjectPaths.SegmentManifest(1, 2, 30), ObjectPaths.IndexFile(1, 30, 100, 5, "x")];
        Assert.All(ObjectPaths.SegmentPrefixes(1, 2, 3), prefix => Assert.DoesNotContain(segment30, key => key.StartsWith(prefix, StringComparison.Ordinal)));
        Assert.Contains(ObjectPaths.SegmentPrefixes(1, 2, 3), prefix => ObjectPaths.IndexFile(1, 3, 100, 5, "x").StartsWith(prefix, StringComparison.Ordinal));
        Assert.All(ObjectPaths.CollectionPrefixes(1), prefix => Assert.False(ObjectPaths.InsertLog(10, 2, 3, 4).StartsWith(prefix, StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("..")]
    public void File_names_must_be_plain(string fileName) =>
        Assert.Throws<ArgumentException>(() => ObjectPaths.IndexFile(1, 2, 3, 4, fileName));
}
