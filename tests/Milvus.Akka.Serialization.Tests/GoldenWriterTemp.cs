using Akka.Serialization;
using Milvus.Akka.Coordinator;

namespace Milvus.Akka.Serialization.Tests;

public sealed class GoldenWriterTemp(SerializationFixture fixture) : IClassFixture<SerializationFixture>
{
    [Fact]
    public void Write()
    {
        var dir = Environment.GetEnvironmentVariable("TSZ_GOLDEN_DIR");
        if (dir is null) return;
        File.WriteAllBytes(Path.Combine(dir, "catalog", "collection-timestamptz.v1.bin"), CatalogCodec.Encode(Samples.TimestamptzCollection()).ToByteArray());
        var sample = StoredFormatGoldenTests.JournalSamples().Single(s => s.Name == "RowsInserted/timestamptz").Message;
        var serializer = (SerializerWithStringManifest)fixture.System.Serialization.FindSerializerFor(sample);
        File.WriteAllBytes(Path.Combine(dir, "journal", StoredFormatGoldenTests.JournalFileName("RowsInserted/timestamptz", serializer.Manifest(sample))), serializer.ToBinary(sample));
    }
}
