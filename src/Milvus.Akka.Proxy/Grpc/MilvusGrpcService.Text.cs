using System.Text;
using Grpc.Core;
using Milvus.Akka.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Text;
using ErrorCode = Milvus.Akka.Common.ErrorCode;

namespace Milvus.Akka.Proxy.Grpc;

/// <summary>Text analysis: RunAnalyzer and ComputePhraseMatchSlop.</summary>
public sealed partial class MilvusGrpcService
{
    /// <summary>
    /// Runs an analyzer over each placeholder text (UTF-8): the one in <c>analyzer_params</c>, or the analyzer of
    /// <c>field_name</c> when a collection is named (for a field with multi-language analyzers, the one
    /// <c>analyzer_names</c> picks: one name for every text or one per text, the default without).
    /// Offsets are UTF-8 byte offsets, as Milvus (tantivy) reports them.
    /// </summary>
    public override async Task<RunAnalyzerResponse> RunAnalyzer(RunAnalyzerRequest request, ServerCallContext context)
    {
        Func<int, Analyzer> analyzerOf;
        if (!string.IsNullOrEmpty(request.CollectionName))
        {
            var info = await proxy.DescribeCollectionAsync(Database(request.DbName, context), request.CollectionName, context.CancellationToken);
            var field = info.Schema.FindField(request.FieldName)
                ?? throw new MilvusException(ErrorCode.ParameterInvalid, $"field {request.FieldName} not found in collection {request.CollectionName}");
            if (!AnalyzerParams.IsOn(field, AnalyzerParams.EnableAnalyzerKey))
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"field {field.Name} is not a VarChar field with enable_analyzer");
            }

            var names = request.AnalyzerNames;
            if (names.Count > 1 && names.Count != request.Placeholder.Count)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid,
                    $"analyzer_names must hold one name for every text or one per text: {names.Count} names for {request.Placeholder.Count} texts");
            }

            analyzerOf = i => AnalyzerParams.ForField(field, names.Count == 0 ? null : names[names.Count == 1 ? 0 : i]);
        }
        else if (request.AnalyzerNames.Count > 0)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                "analyzer_names pick among a field's multi-language analyzers: give collection_name and field_name with them");
        }
        else
        {
            var analyzer = AnalyzerParams.Parse(request.AnalyzerParams);
            analyzerOf = _ => analyzer;
        }

        var response = new RunAnalyzerResponse { Status = MilvusStatuses.Success };
        for (var index = 0; index < request.Placeholder.Count; index++)
        {
            var text = request.Placeholder[index].ToStringUtf8();
            var analyzer = analyzerOf(index);
            var result = new AnalyzerResult();
            var (charOffset, byteOffset) = (0, 0);
            foreach (var token in analyzer.Tokens(text))
            {
                var analyzed = new AnalyzerToken { Token = token.Term };
                if (request.WithDetail)
                {
                    // Byte offsets are counted from the previous token's: tokens come nearly in text order (jieba's
                    // search mode steps back to a word after its sub-words).
                    byteOffset += token.Start >= charOffset
                        ? Encoding.UTF8.GetByteCount(text.AsSpan(charOffset, token.Start - charOffset))
                        : -Encoding.UTF8.GetByteCount(text.AsSpan(token.Start, charOffset - token.Start));
                    var span = text.AsSpan(token.Start, token.End - token.Start);
                    analyzed.StartOffset = byteOffset;
                    analyzed.EndOffset = byteOffset + Encoding.UTF8.GetByteCount(span);
                    analyzed.Position = token.Position;
                    // As Milvus: a jieba or icu token spans its characters' positions, others one.
                    analyzed.PositionLength = analyzer.Tokenizer is TokenizerKind.Jieba or TokenizerKind.Icu ? Encoding.UTF32.GetByteCount(span) / 4 : 1;
                    charOffset = token.Start;
                }

                if (request.WithHash)
                {
                    analyzed.Hash = TokenHash.Of(token.Term);
                }

                result.Tokens.Add(analyzed);
            }

            response.Results.Add(result);
        }

        return response;
    }

    /// <summary>
    /// Milvus 3.0's ComputePhraseMatchSlop: for each data text, whether the query phrase can match it and the least slop
    /// at which <c>PHRASE_MATCH(field, query, slop)</c> would (-1 when none would), with the analyzer of
    /// <c>analyzer_params</c> (the standard one when empty). No query or no data answers an empty success, as Milvus does.
    /// </summary>
    public override Task<ComputePhraseMatchSlopResponse> ComputePhraseMatchSlop(ComputePhraseMatchSlopRequest request, ServerCallContext context)
    {
        var response = new ComputePhraseMatchSlopResponse { Status = MilvusStatuses.Success };
        if (request.QueryText.Length == 0 || request.DataTexts.Count == 0)
        {
            return Task.FromResult(response);
        }

        var matcher = new PhraseMatchQuery(AnalyzerParams.Parse(request.AnalyzerParams), request.QueryText, slop: 0).CreateMatcher();
        foreach (var text in request.DataTexts)
        {
            var slop = matcher.LeastSlop(text);
            response.IsMatch.Add(slop is not null);
            response.Slops.Add(slop ?? -1);
        }

        return Task.FromResult(response);
    }
}
