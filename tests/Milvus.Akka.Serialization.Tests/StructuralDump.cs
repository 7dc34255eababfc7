using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;
using Akka.Actor;
using Milvus.Akka.Expressions;

namespace Milvus.Akka.Serialization.Tests;

/// <summary>
/// A canonical text of an object graph for deep comparison, independent of the types' own Equals (records holding
/// arrays, columns and row batches compare by reference): every instance field, runtime type names, exact float
/// bits, dictionaries in key order, and actors by path and uid.
/// </summary>
public static class StructuralDump
{
    public static string Of(object? value)
    {
        var text = new StringBuilder();
        Write(text, value);
        return text.ToString();
    }

    private static void Write(StringBuilder text, object? value)
    {
        switch (value)
        {
            case null:
                text.Append("null");
                return;
            case string s:
                text.Append('"').Append(s).Append('"');
                return;
            case float f:
                text.Append("f:").Append(BitConverter.SingleToInt32Bits(f).ToString("x8", CultureInfo.InvariantCulture));
                return;
            case double d:
                text.Append("d:").Append(BitConverter.DoubleToInt64Bits(d).ToString("x16", CultureInfo.InvariantCulture));
                return;
            case Enum or bool or char or byte or sbyte or short or ushort or int or uint or long or ulong:
                text.Append(value.GetType().Name).Append(':').Append(Convert.ToString(value, CultureInfo.InvariantCulture));
                return;
            case FilterPlan filter:
                // A plan's filter is its bound tree: the sender holds the expression, the receiver its encoding.
                text.Append("filter:").Append(Convert.ToHexString(filter.Encoded));
                return;
            case IActorRef actor:
                text.Append("actor:").Append(actor.Path.ToStringWithoutAddress()).Append('#').Append(actor.Path.Uid);
                return;
            case IDictionary dictionary:
                var entries = dictionary.Keys.Cast<object>().Select(key => Of(key) + "=" + Of(dictionary[key])).Order(StringComparer.Ordinal);
                text.Append(value.GetType().Name).Append('{').AppendJoin(", ", entries).Append('}');
                return;
            case IEnumerable items:
                text.Append(value.GetType().Name).Append('[');
                foreach (var item in items)
                {
                    Write(text, item);
                    text.Append(", ");
                }

                text.Append(']');
                return;
        }

        text.Append(value.GetType().Name).Append('{');
        for (var type = value.GetType(); type is not null && type != typeof(object); type = type.BaseType)
        {
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                         .OrderBy(f => f.Name, StringComparer.Ordinal))
            {
                text.Append(field.Name).Append('=');
                Write(text, field.GetValue(value));
                text.Append("; ");
            }
        }

        text.Append('}');
    }
}
