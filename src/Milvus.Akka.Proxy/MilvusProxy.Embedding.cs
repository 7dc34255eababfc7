using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Embedding;

namespace Milvus.Akka.Proxy;

/// <summary>
/// Text embedding functions, run where Milvus runs them, in the proxy: a write's input texts are embedded into the
/// output field before the rows are checked and sent to the shards, and query texts into query vectors before a
/// search fans out. Shards and query nodes only ever see vectors. The providers are reached over HTTP with this
/// node's settings (<c>milvus.proxy.text-embedding</c>).
/// </summary>
public sealed partial class MilvusProxy
{
    private readonly HttpClient _embeddingHttp = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = settings.TextEmbedding.Timeout,
    };

    /// <summary>Checks every text embedding function of <paramref name="schema"/> against its provider's settings here.</summary>
    private void CheckTextEmbeddings(CollectionSchema schema)
    {
        foreach (var function in schema.Functions.Where(f => f.Type == FunctionType.TextEmbedding))
        {
            // A missing output field is the coordinator's to report, with the schema's other errors.
            if (function.OutputFieldNames.Length == 1 && schema.FindField(function.OutputFieldNames[0]) is { } output)
            {
                Bind(function, output);
            }
        }
    }

    private TextEmbeddingFunction Bind(FunctionSchema function, FieldSchema output) =>
        TextEmbeddingFunction.Bind(function, output, settings.TextEmbedding, _embeddingHttp);

    /// <summary>
    /// The columns with every text embedding function's output computed from its input texts. As in Milvus, the client
    /// may not send an output field, and every input text must be there (a null cannot be embedded).
    /// </summary>
    private async Task<IReadOnlyDictionary<string, Column>> WithEmbeddingsAsync(CollectionSchema schema, IReadOnlyDictionary<string, Column> columns,
        CancellationToken cancellationToken)
    {
        Dictionary<string, Column>? completed = null;
        foreach (var function in schema.Functions.Where(f => f.Type == FunctionType.TextEmbedding))
        {
            if (InputTexts(function, columns) is not { } texts)
            {
                continue;
            }

            for (var row = 0; row < texts.Count; row++)
            {
                if (texts.IsNull(row))
                {
                    throw new MilvusException(ErrorCode.ParameterInvalid,
                        $"function {function.Name}: input field '{function.InputFieldNames[0]}' is null at row {row}; a text embedding needs a text");
                }
            }

            var output = schema.FindField(function.OutputFieldNames[0])!;
            var vectors = await Bind(function, output).EmbedAsync(texts.Values, EmbeddingPurpose.Ingest, cancellationToken);
            completed ??= new Dictionary<string, Column>(columns);
            completed[output.Name] = new VectorColumn<float>(DataType.FloatVector, output.Dim, vectors);
        }

        return completed ?? columns;
    }

    /// <summary>The query vectors of a search by texts of a text embedding function's output field.</summary>
    private async Task<SearchRequest> WithQueryEmbeddingsAsync(CollectionInfo info, FieldSchema field, SearchRequest request, CancellationToken cancellationToken)
    {
        if (request.Texts is not { } texts || info.Schema.TextEmbeddingWriting(field) is not { } function)
        {
            return request;
        }

        var vectors = await Bind(function, field).EmbedAsync(texts, EmbeddingPurpose.Search, cancellationToken);
        return request with { Vectors = vectors, Texts = null };
    }

    /// <summary>A model ranker bound to its provider, with one query text per query of the search.</summary>
    private ModelReranker BindReranker(ModelRanker ranker, int nq)
    {
        var reranker = ModelReranker.Bind(ranker.Name, ranker.Params, settings.TextEmbedding, _embeddingHttp);
        return reranker.Queries.Length == nq
            ? reranker
            : throw new MilvusException(ErrorCode.ParameterInvalid, $"nq must equal to queries size, but got nq [{nq}], queries size [{reranker.Queries.Length}]");
    }

    public async Task AddCollectionFunctionAsync(string? database, string collection, FunctionSchema function, CancellationToken cancellationToken = default)
    {
        await CheckFunctionAsync(database, collection, function, cancellationToken);
        await _coordinator.CatalogCommandAsync(new AddCollectionFunction(Db(database), collection, function), cancellationToken);
    }

    public async Task AlterCollectionFunctionAsync(string? database, string collection, string name, FunctionSchema function,
        CancellationToken cancellationToken = default)
    {
        await CheckFunctionAsync(database, collection, function, cancellationToken);
        await _coordinator.CatalogCommandAsync(new AlterCollectionFunction(Db(database), collection, name, function), cancellationToken);
    }

    public Task DropCollectionFunctionAsync(string? database, string collection, string name, CancellationToken cancellationToken = default) =>
        _coordinator.CatalogCommandAsync(new DropCollectionFunction(Db(database), collection, name), cancellationToken);

    /// <summary>A text embedding function about to be added or altered, checked against its provider's settings here.</summary>
    private async Task CheckFunctionAsync(string? database, string collection, FunctionSchema function, CancellationToken cancellationToken)
    {
        var info = await DescribeCollectionAsync(database, collection, cancellationToken);
        CheckTextEmbeddings(info.Schema with { Functions = [function] });
    }
}
