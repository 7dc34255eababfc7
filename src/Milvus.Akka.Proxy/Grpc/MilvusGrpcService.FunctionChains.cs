using System.Collections.Immutable;
using Google.Protobuf.Collections;
using Milvus.Akka.Common;
using Milvus.Akka.Grpc.Protocol.Schema;

namespace Milvus.Akka.Proxy.Grpc;

/// <summary>
/// Milvus 3.0's function chains on the wire: a search's L2 rerank chain read into <see cref="ChainStep"/>s. The stages,
/// operators and functions not built here (query-node stages, filter/select/merge/group_by, xgboost, model and score
/// functions) answer "not supported"; what Milvus itself refuses answers its reason.
/// </summary>
public sealed partial class MilvusGrpcService
{
    private static ImmutableArray<ChainStep> ChainSteps(RepeatedField<FunctionChain> chains)
    {
        var stages = new HashSet<FunctionChainStage>();
        ImmutableArray<ChainStep> steps = [];
        foreach (var chain in chains)
        {
            if (!stages.Add(chain.Stage))
            {
                throw Invalid($"function chain stage {chain.Stage} appears more than once");
            }

            steps = chain.Stage switch
            {
                FunctionChainStage.L2Rerank => [.. chain.Ops.Select(Step)],
                FunctionChainStage.L0Rerank or FunctionChainStage.L1Rerank => throw new MilvusException(ErrorCode.OperationNotSupported,
                    $"function chain stage {chain.Stage} is not supported by Milvus.Akka; rerank at stage L2Rerank (the proxy)"),
                _ => throw Invalid($"unsupported function chain stage: {chain.Stage}"),
            };
        }

        return steps;
    }

    private static ChainStep Step(FunctionChainOp op) => op.Op.Trim().ToLowerInvariant() switch
    {
        "map" => new MapStep(op.Outputs is [var output] ? output : throw Invalid($"function chain map writes one column, got {op.Outputs.Count}"),
            Function(op.Expr ?? throw Invalid("function chain map needs an expression"))),
        "sort" => new SortStep(Text(op.Params, "column") ?? op.Inputs.FirstOrDefault() ?? throw Invalid("sort_op: column is required"),
            op.Params.TryGetValue("desc", out var desc) && desc.ValueCase == FunctionParamValue.ValueOneofCase.BoolValue && desc.BoolValue,
            Text(op.Params, "tie_break_col")),
        "limit" => Limit(op.Params),
        "filter" or "select" or "merge" or "group_by" => throw new MilvusException(ErrorCode.OperationNotSupported,
            $"function chain operator '{op.Op}' is not supported by Milvus.Akka; chains map, sort and limit"),
        _ => throw Invalid($"unknown function chain operator '{op.Op}'"),
    };

    private static LimitStep Limit(MapField<string, FunctionParamValue> parameters)
    {
        var (limit, offset) = (Whole(parameters, "limit", null), Whole(parameters, "offset", 0));
        return limit > 0 && offset >= 0
            ? new LimitStep(limit, offset)
            : throw Invalid($"function chain limit must be positive and its offset non-negative, got {limit} and {offset}");
    }

    private static ChainFunction Function(FunctionChainExpr expr)
    {
        ImmutableArray<ChainArgument> args = [.. expr.Args.Select(arg => arg.ArgCase == FunctionChainExprArg.ArgOneofCase.Column
            ? new ColumnArgument(arg.Column.Name)
            : (ChainArgument)new NumberArgument(Number(arg.Literal) ?? throw Invalid($"{expr.Name}: a literal argument must be a number")))];
        var parameters = expr.Params;
        switch (expr.Name)
        {
            case "num_combine":
                var mode = Text(parameters, "mode") is { Length: > 0 } named ? named : "multiply";
                if (mode is not ("multiply" or "sum" or "max" or "min" or "avg" or "weighted"))
                {
                    throw Invalid($"num_combine: invalid mode \"{mode}\", must be one of [multiply, sum, max, min, avg, weighted]");
                }

                ImmutableArray<double> weights = parameters.TryGetValue("weights", out var list)
                    ? [.. list.ArrayValue?.Values.Select(v => Number(v) ?? double.NaN) ?? []]
                    : [];
                if (args.Length < 2)
                {
                    throw Invalid($"num_combine: expected at least 2 input columns, got {args.Length}");
                }

                if (mode == "weighted" ? weights.Length != args.Length : weights.Length > 0)
                {
                    throw Invalid(mode == "weighted"
                        ? $"num_combine: weighted mode requires {args.Length} weights, got {weights.Length}"
                        : "num_combine: weights can only be used with mode weighted");
                }

                if (weights.Any(w => !double.IsFinite(w)))
                {
                    throw Invalid("num_combine: weights must be finite numbers");
                }

                var nulls = Text(parameters, "null_policy") switch
                {
                    null or "propagate" => NullPolicy.Propagate,
                    "as_zero" => NullPolicy.AsZero,
                    "skip" => NullPolicy.Skip,
                    var other => throw Invalid($"num_combine: invalid null_policy \"{other}\", must be one of [propagate, as_zero, skip]"),
                };
                return new NumCombine(args, mode, weights, nulls);
            case "decay":
                if (args.Length is not (1 or 2))
                {
                    throw Invalid($"decay: expected a column (and a score), got {args.Length} arguments");
                }

                double Required(string key) => NumberParam(parameters, key) ?? throw Invalid($"Decay function lost param: {key}");
                return new DecayFunction(args, DecayRanker.Of(Text(parameters, "function") ?? "", "", Required("origin"), Required("scale"),
                    NumberParam(parameters, "offset") ?? 0, NumberParam(parameters, "decay") ?? 0.5));
            case "round_decimal":
                return args.Length == 1 && Whole(parameters, "decimal", null) is var decimals and >= 0 and <= 6
                    ? new RoundDecimal(args, decimals)
                    : throw Invalid("round_decimal: one column and a decimal in [0, 6]");
            case "xgboost" or "rerank_model" or "score_combine" or "boost_score" or "pyudf":
                throw new MilvusException(ErrorCode.OperationNotSupported,
                    $"function chain function '{expr.Name}' is not supported by Milvus.Akka; chains compute num_combine, decay and round_decimal");
            default:
                throw Invalid($"unknown function chain function '{expr.Name}'");
        }
    }

    private static string? Text(MapField<string, FunctionParamValue> parameters, string key) =>
        parameters.TryGetValue(key, out var value) && value.ValueCase == FunctionParamValue.ValueOneofCase.StringValue ? value.StringValue : null;

    private static double? NumberParam(MapField<string, FunctionParamValue> parameters, string key) =>
        parameters.TryGetValue(key, out var value) ? Number(value) ?? throw Invalid($"function chain param {key} must be a number") : null;

    private static int Whole(MapField<string, FunctionParamValue> parameters, string key, int? fallback) =>
        parameters.TryGetValue(key, out var value) && value.ValueCase == FunctionParamValue.ValueOneofCase.Int64Value
            ? (int)Math.Clamp(value.Int64Value, int.MinValue, int.MaxValue)
            : fallback ?? throw Invalid($"function chain param {key} must be an integer");

    private static double? Number(FunctionParamValue? value) => value?.ValueCase switch
    {
        FunctionParamValue.ValueOneofCase.Int64Value => value.Int64Value,
        FunctionParamValue.ValueOneofCase.DoubleValue => value.DoubleValue,
        _ => null,
    };

    private static MilvusException Invalid(string message) => new(ErrorCode.ParameterInvalid, message);
}
