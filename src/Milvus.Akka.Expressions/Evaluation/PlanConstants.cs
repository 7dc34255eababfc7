using Plan = Milvus.Akka.Expressions.Formats;

namespace Milvus.Akka.Expressions.Evaluation;

/// <summary>Constants as a filter plan carries them: the four kinds a filter literal (or a folded one) can have.</summary>
internal static class PlanConstants
{
    public static Plan.Constant ToConstant(this in Value value) => value.Kind switch
    {
        ValueKind.Int => new() { Integer = value.Integer },
        ValueKind.Float => new() { Number = value.Number },
        ValueKind.String => new() { Text = value.AsString },
        ValueKind.Bool => new() { Boolean = value.AsBool },
        _ => throw new InvalidOperationException($"a {value.Kind} value is not a filter constant"),
    };

    public static Value ToValue(Plan.Constant constant) => constant.KindCase switch
    {
        Plan.Constant.KindOneofCase.Integer => Value.FromInt(constant.Integer),
        Plan.Constant.KindOneofCase.Number => Value.FromFloat(constant.Number),
        Plan.Constant.KindOneofCase.Text => Value.FromString(constant.Text),
        Plan.Constant.KindOneofCase.Boolean => Value.FromBool(constant.Boolean),
        _ => throw new InvalidDataException("a filter plan holds a constant without a value"),
    };

    public static Plan.Constants ToConstants(IEnumerable<Value> values)
    {
        var constants = new Plan.Constants();
        foreach (var value in values)
        {
            switch (value.Kind)
            {
                case ValueKind.Int: constants.Integers.Add(value.Integer); break;
                case ValueKind.Float: constants.Numbers.Add(value.Number); break;
                case ValueKind.String: constants.Texts.Add(value.AsString); break;
                case ValueKind.Bool: constants.Booleans.Add(value.AsBool); break;
                default: throw new InvalidOperationException($"a {value.Kind} value is not a filter constant");
            }
        }

        return constants;
    }

    public static List<Value> ToValues(Plan.Constants constants) =>
    [
        .. constants.Integers.Select(Value.FromInt),
        .. constants.Numbers.Select(Value.FromFloat),
        .. constants.Texts.Select(Value.FromString),
        .. constants.Booleans.Select(Value.FromBool),
    ];
}
