using System.Text.Json;

namespace Milvus.Akka.Common;

/// <summary>
/// Paths into JSON values as filters and JSON path indexes name them (strings are member names, longs array positions):
/// their one text form and their navigation, shared by index builds and filters.
/// </summary>
public static class JsonPaths
{
    /// <summary><c>["a"][0]["b"]</c> for the steps a, 0, b.</summary>
    public static string Canonical(IEnumerable<object> steps) =>
        string.Concat(steps.Select(step => step is string name
            ? $"[\"{name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"]"
            : $"[{step}]"));

    /// <summary>The element at <paramref name="path"/> under <paramref name="root"/>; false when a step does not exist.</summary>
    public static bool TryNavigate(JsonElement root, IReadOnlyList<object> path, out JsonElement element)
    {
        element = root;
        foreach (var step in path)
        {
            if (step is string name)
            {
                if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
                {
                    return false;
                }
            }
            else
            {
                var index = (long)step;
                if (element.ValueKind != JsonValueKind.Array || index < 0 || index >= element.GetArrayLength())
                {
                    return false;
                }

                element = element[(int)index];
            }
        }

        return true;
    }
}
