using System.Text;
using Milvus.Akka.Common;
using Milvus.Akka.Proxy.Import;
using static Milvus.Akka.Proxy.Tests.JsonImportRowsTests;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>Milvus import CSV files read into the columns the insert path takes: quoting, the null key, separators, the dynamic field, errors naming the row.</summary>
public sealed class CsvImportRowsTests
{
    private static List<IReadOnlyDictionary<string, Column>> Read(string csv, CollectionSchema? schema = null, CsvOptions? options = null, int batchRows = 100) =>
        [.. CsvImportRows.Read(Encoding.UTF8.GetBytes(csv), schema ?? Schema, TimeZoneInfo.Utc, batchRows, options ?? CsvOptions.Default)];

    private static string Meta(IReadOnlyDictionary<string, Column> columns, int row) => Encoding.UTF8.GetString(((JsonColumn)columns["$meta"]).Values[row]);

    [Fact]
    public void Every_value_is_read_from_its_text_and_quoted_values_keep_separators_quotes_and_line_breaks()
    {
        const string csv = "\uFEFFid,vec,flag,score,tag,doc,nums,sparse,colour,$meta\r\n" +
            "1,\"[0.5, 1]\",true,2.5,\"a, \"\"quoted\"\"\nline\",\"{\"\"k\"\": [1, 2]}\",\"[4, 5]\",\"{\"\"3\"\": 0.5}\",red,\"{\"\"size\"\": 3}\"\r\n" +
            "\r\n" +
            "-2,\"[2,3]\",F,-1e3,,[],[],\"{\"\"indices\"\": [1], \"\"values\"\": [2]}\",,{}\n";

        var columns = Assert.Single(Read(csv));

        Assert.Equal([1L, -2], ((ScalarColumn<long>)columns["id"]).Values);
        Assert.Equal([0.5f, 1, 2, 3], ((VectorColumn<float>)columns["vec"]).Values);
        Assert.Equal([true, false], ((ScalarColumn<bool>)columns["flag"]).Values);
        Assert.Equal([2.5, -1000], ((ScalarColumn<double>)columns["score"]).Values);
        var tags = (StringColumn)columns["tag"];
        Assert.Equal("a, \"quoted\"\nline", tags.Values[0]);
        Assert.Equal([true, false], tags.Validity!);
        Assert.Equal(["{\"k\": [1, 2]}", "[]"], ((JsonColumn)columns["doc"]).Values.Select(v => Encoding.UTF8.GetString(v)));
        Assert.Equal([new long[] { 4, 5 }, []], ((ArrayColumn)columns["nums"]).Values.Cast<long[]>());
        Assert.Equal(2, ((SparseVectorColumn)columns["sparse"]).Values.Length);
        // Columns outside the schema are dynamic keys kept as strings, beside the keys of the $meta column.
        Assert.Equal("""{"size":3,"colour":"red"}""", Meta(columns, 0));
        Assert.Equal("""{"colour":""}""", Meta(columns, 1));
    }

    [Fact]
    public void The_separator_and_null_key_options_are_used_and_checked()
    {
        var options = CsvOptions.From(new Dictionary<string, string> { ["sep"] = "\t", ["nullkey"] = "NULL" });
        var columns = Assert.Single(Read("id\tvec\tflag\tscore\ttag\tdoc\tnums\tsparse\n7\t[1,2]\t1\t3\tNULL\t{}\t[1]\t{}\n", options: options));
        Assert.Equal([false], ((StringColumn)columns["tag"]).Validity!);
        Assert.Equal([true], ((ScalarColumn<bool>)columns["flag"]).Values);

        // The null key is null only where the field takes null; elsewhere it is a value, here a bad one.
        var error = Assert.Throws<MilvusException>(() => Read("id\tvec\tflag\tscore\tdoc\tnums\tsparse\nNULL\t[1,2]\tt\t1\t{}\t[]\t{}\n", options: options));
        Assert.Contains("row 0, field 'id': expected an integer, got 'NULL'", error.Message);
        foreach (var sep in new[] { "", ";;", "\"", "\n" })
        {
            var refused = Assert.Throws<MilvusException>(() => CsvOptions.From(new Dictionary<string, string> { ["sep"] = sep }));
            Assert.Equal(ErrorCode.ParameterInvalid, refused.Code);
        }
    }

    [Fact]
    public void Without_a_dynamic_field_unknown_columns_are_skipped_as_Milvus_skips_them()
    {
        var schema = Schema with { EnableDynamicField = false, Fields = [.. Schema.Fields.Where(f => !f.IsDynamic)] };
        var columns = Assert.Single(Read("id,vec,flag,score,doc,nums,sparse,extra\n1,\"[1,2]\",true,1,{},[],{},x\n", schema));
        Assert.False(columns.ContainsKey("extra"));
        Assert.Equal([1L], ((ScalarColumn<long>)columns["id"]).Values);
    }

    [Theory]
    [InlineData("id,vec\n1,\"[1,2]\",3\n", "row 0 has 3 values, but the header has 2 columns")]
    [InlineData("id,vec,flag\n1,\"[1,2]\",yes\n", "row 0, field 'flag': expected a boolean, got 'yes'")]
    [InlineData("id,score\n1,NaN\n", "row 0, field 'score': expected a finite number, got 'NaN'")]
    [InlineData("id,vec\n0,\"[1,2]\"\n1,[1 2]\n", "row 1, field 'vec': expected JSON text, got '[1 2]'")]
    [InlineData("id,vec\n1,\"[1,2]\n", "ends inside the quoted value")]
    [InlineData("id,vec\n1,a\"b\n", "bare \" in an unquoted value")]
    [InlineData("id,vec\n1,\"[1,2]\"x\n", "text after the closing quote")]
    [InlineData("id,id\n1,2\n", "column 'id' appears twice in the csv header")]
    [InlineData("id,colour,$meta\n1,red,\"{\"\"colour\"\": 1}\"\n", "key 'colour' is both a column and a key of $meta")]
    [InlineData("id,$meta\n1,[1]\n", "row 0, field '$meta': expected a JSON object")]
    [InlineData("", "the csv file is empty")]
    public void Bad_files_are_refused_naming_the_row_and_field(string csv, string expected)
    {
        var error = Assert.Throws<MilvusException>(() => Read(csv));
        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Rows_come_in_batches_of_the_configured_size()
    {
        var csv = "id,vec\n" + string.Concat(Enumerable.Range(0, 5).Select(i => $"{i},\"[{i},0]\"\n"));
        Assert.Equal([2, 2, 1], Read(csv, batchRows: 2).Select(c => c["id"].Count));
    }
}
