using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Index.Sparse;
using Milvus.Akka.Segments;
using Milvus.Akka.Streaming;
using Milvus.Akka.Text;

namespace Milvus.Akka.Proxy;

/// <summary>
/// Full-text search with the BM25 function: writes fill each BM25 output field from its input text, and a search with
/// query texts runs in two rounds. The first asks every shard for the corpus statistics of the query terms over every
/// row visible at the read timestamp (each shard sums its growing segments and asks the query nodes serving its
/// flushed ones, see <see cref="Bm25StatsShard"/>); the second is an ordinary sparse search whose query rows hold each
/// term's count in the query times its collection-wide IDF, with k1, b and the collection's average document length
/// in the plan. So a row's score depends on the collection, not on how its rows are split into segments or shards.
/// </summary>
public sealed partial class MilvusProxy
{
    /// <summary>
    /// Adds the output column of every BM25 and MinHash function of the schema, computed from its input column (a null
    /// or absent text gives an empty row, or a MinHash signature of no shingles); the client may not send an output
    /// field, as in Milvus.
    /// </summary>
    public static IReadOnlyDictionary<string, Column> WithFunctionOutputs(CollectionSchema schema, IReadOnlyDictionary<string, Column> columns)
    {
        if (schema.Functions.IsEmpty)
        {
            return columns;
        }

        var completed = new Dictionary<string, Column>(columns);
        foreach (var function in schema.Functions.Where(f => f.Type == FunctionType.Bm25))
        {
            if (InputTexts(function, columns) is not { } texts)
            {
                continue;
            }

            var input = schema.FindField(function.InputFieldNames[0])!;
            var multi = MultiAnalyzer.ForField(input);
            var analyzer = multi is null ? AnalyzerParams.ForField(input) : null;
            // With multi-language analyzers each row's own picks its analyzer (a null or absent one the default).
            var names = multi is not null && columns.TryGetValue(multi.ByField, out var picked) ? picked as StringColumn : null;
            var rows = new byte[texts.Count][];
            for (var i = 0; i < rows.Length; i++)
            {
                var rowAnalyzer = analyzer ?? multi!.Resolve(names is null || names.IsNull(i) ? null : names.Values[i]);
                var counts = Bm25Terms.Count(rowAnalyzer, texts.IsNull(i) ? null : texts.Values[i]);
                rows[i] = SparseVectors.Row([.. counts.Select(c => KeyValuePair.Create(c.Key, (float)c.Value))]);
            }

            completed[function.OutputFieldNames[0]] = new SparseVectorColumn(rows);
        }

        foreach (var function in schema.Functions.Where(f => f.Type == FunctionType.MinHash))
        {
            if (InputTexts(function, columns) is not { } texts)
            {
                continue;
            }

            var output = schema.FindField(function.OutputFieldNames[0])!;
            var signatures = MinHashSignature.Of(schema, function).Sign([.. Enumerable.Range(0, texts.Count).Select(i => texts.IsNull(i) ? null : texts.Values[i])]);
            completed[output.Name] = new VectorColumn<byte>(DataType.BinaryVector, output.Dim, signatures);
        }

        return completed;
    }

    /// <summary>
    /// The texts a function computes its output from, or null when the request lacks them or sends another type (the
    /// row validator reports that). A function's output is the server's to compute: a client may not send it, as in Milvus.
    /// </summary>
    private static StringColumn? InputTexts(FunctionSchema function, IReadOnlyDictionary<string, Column> columns)
    {
        if (columns.ContainsKey(function.OutputFieldNames[0]))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"field {function.OutputFieldNames[0]} is the output of function {function.Name}: the server computes it, do not provide it");
        }

        return columns.TryGetValue(function.InputFieldNames[0], out var input) ? input as StringColumn : null;
    }

    /// <summary>The query signatures of a search by texts of a MinHash function's output field: an ordinary MHJACCARD search from here on.</summary>
    private static SearchRequest WithQueryMinHashes(CollectionInfo info, FieldSchema field, SearchRequest request)
    {
        if (request.Texts is not { } texts || info.Schema.MinHashWriting(field) is not { } function)
        {
            return request;
        }

        var signature = MinHashSignature.Of(info.Schema, function);
        var rows = signature.Sign(texts);
        return request with
        {
            RawVectors = [.. Enumerable.Range(0, texts.Length).Select(i => rows.AsSpan(i * signature.RowBytes, signature.RowBytes).ToArray())],
            Texts = null,
        };
    }

    /// <summary>
    /// A search of a BM25 output field is by query texts, one per query; texts search nothing else (a text embedding
    /// function's texts are vectors by now).
    /// </summary>
    private static void CheckTextQueries(CollectionInfo info, FieldSchema field, SearchRequest request)
    {
        if (!field.IsBm25Output)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"query texts search the output field of a BM25, text embedding or MinHash function; field '{field.Name}' of collection {info.Name} is searched with {field.DataType} vectors");
        }

        if (request.Texts?.Length != request.Nq)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"field '{field.Name}' is the output of BM25 function {info.Schema.Bm25Writing(field)?.Name}: search it with {request.Nq} query texts (VarChar placeholders)");
        }
    }

    /// <summary>
    /// The query rows of a BM25 search (term weights from collection-wide statistics) and its scoring; the texts are
    /// analyzed by the input field's analyzer, or the one <paramref name="analyzerName"/> picks among its multi-language ones.
    /// </summary>
    private async Task<(byte[][] Queries, Bm25Scoring Scoring)> Bm25QueriesAsync(CollectionInfo info, FieldSchema field, string[] texts,
        string? analyzerName, ulong readTimestamp, ulong expiredBefore, CancellationToken cancellationToken)
    {
        var analyzer = AnalyzerParams.ForField(info.Schema.Bm25Input(field), analyzerName);
        var counts = texts.Select(t => Bm25Terms.Count(analyzer, t)).ToArray();
        var terms = counts.SelectMany(c => c.Keys).Distinct().Order().ToArray();
        var plan = new Bm25StatsPlan(info.Id, field.FieldId, terms, readTimestamp, expiredBefore);
        var parts = await Task.WhenAll(info.AllShardNames.Select(s => Shard<Bm25Stats>(new Bm25StatsShard(s, plan), cancellationToken)));
        var stats = Bm25Stats.Sum(parts, terms.Length);
        var (k1, b) = Bm25Scoring.Parameters(info.IndexOnField(field.FieldId)?.Params ?? System.Collections.Immutable.ImmutableSortedDictionary<string, string>.Empty);
        var queries = counts.Select(c => SparseVectors.Row([.. c.Select(t =>
            KeyValuePair.Create(t.Key, t.Value * Bm25Scoring.Idf(stats.Documents, stats.DocumentFrequencies[Array.BinarySearch(terms, t.Key)])))])).ToArray();

        return (queries, new Bm25Scoring(k1, b, stats.AverageDocLength));
    }
}
