using Milvus.Akka.Common;
using Milvus.Akka.Index.Scalar;

namespace Milvus.Akka.Serialization.Tests;

/// <summary>
/// Scalar index files written by earlier versions still read: each file under Golden/scalar-index holds the bytes a
/// version wrote (never regenerated) and must answer every probe as the sample it was written from does today. A file
/// of a newer format version is refused with an error naming the versions.
/// </summary>
public sealed class ScalarIndexGoldenTests
{
    public static TheoryData<string> Names => [.. ScalarIndexSamples.Indexes.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Scalar_index_file_of_format_version_1_answers_like_the_sample_it_was_written_from(string name)
    {
        var stored = File.ReadAllBytes(StoredFormatGoldenTests.GoldenPath("scalar-index", name + ".v1.bin"));

        var read = ScalarIndexFile.Read(stored);

        Assert.Equal(ScalarIndexSamples.Answers(ScalarIndexSamples.Indexes[name]()), ScalarIndexSamples.Answers(read));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Scalar_index_file_of_a_newer_format_version_is_refused(string name)
    {
        var stored = File.ReadAllBytes(StoredFormatGoldenTests.GoldenPath("scalar-index", name + ".v1.bin"));
        // format_version is field 1 (varint); a later occurrence of a field wins, so the file now claims the next version.
        byte[] newer = [.. stored, 0x08, (byte)(ScalarIndexFile.FormatVersion + 1)];

        var error = Assert.Throws<MilvusException>(() => ScalarIndexFile.Read(newer));
        Assert.Contains($"format version {ScalarIndexFile.FormatVersion + 1}", error.Message);
    }
}
