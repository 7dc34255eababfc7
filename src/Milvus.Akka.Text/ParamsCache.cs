using System.Collections.Concurrent;

namespace Milvus.Akka.Text;

/// <summary>
/// Immutable objects built from params JSON, kept by that JSON: a field's analyzers are asked for on every write and
/// every text search, and building one can cost milliseconds (a jieba dictionary of added words). A node sees a few
/// fields' params over and over, so a small bound that starts over when reached is enough. Failures are not kept.
/// </summary>
internal sealed class ParamsCache<T>(int capacity) where T : class
{
    private readonly ConcurrentDictionary<string, T> _built = new(StringComparer.Ordinal);

    public T Get(string json, Func<string, T> build)
    {
        if (_built.TryGetValue(json, out var cached))
        {
            return cached;
        }

        var value = build(json);
        if (_built.Count >= capacity)
        {
            _built.Clear();
        }

        return _built.GetOrAdd(json, value);
    }
}
