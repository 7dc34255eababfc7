using System.Runtime.InteropServices;

namespace Milvus.Akka.Text;

/// <summary>
/// Milvus's <c>icu</c> tokenizer: Unicode word segmentation with dictionaries for the scripts written without spaces
/// (Chinese, Japanese, Thai...), every segment between two word boundaries a token — spaces and punctuation too, as
/// Milvus's (ICU4X's WordSegmenter) gives them — positioned at its first character's index. It runs ICU4C's word
/// break iterator from the node's own ICU library (libicuuc, which .NET on Linux uses too), found on first use;
/// <see cref="Instance"/> is null where there is none, and the tokenizer is then refused as not supported.
/// </summary>
internal sealed unsafe class IcuTokenizer : IWholeTextTokenizer
{
    private const int WordBreaks = 1; // UBRK_WORD
    private const int Done = -1; // UBRK_DONE

    private static readonly Lazy<IcuTokenizer?> Loaded = new(Load);

    /// <summary>One iterator per thread: an ICU break iterator is not thread-safe, and opening one costs more than a text.</summary>
    [ThreadStatic]
    private static nint _iterator;

    private readonly delegate* unmanaged<int, byte*, char*, int, int*, nint> _open;
    private readonly delegate* unmanaged<nint, char*, int, int*, void> _setText;
    private readonly delegate* unmanaged<nint, int> _first;
    private readonly delegate* unmanaged<nint, int> _next;

    private IcuTokenizer(nint library, string suffix)
    {
        _open = (delegate* unmanaged<int, byte*, char*, int, int*, nint>)NativeLibrary.GetExport(library, "ubrk_open" + suffix);
        _setText = (delegate* unmanaged<nint, char*, int, int*, void>)NativeLibrary.GetExport(library, "ubrk_setText" + suffix);
        _first = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(library, "ubrk_first" + suffix);
        _next = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(library, "ubrk_next" + suffix);
    }

    /// <summary>The tokenizer, or null when no ICU library was found.</summary>
    public static IcuTokenizer? Instance => Loaded.Value;

    public void Segment(ReadOnlySpan<char> text, List<TextToken> tokens)
    {
        if (text.IsEmpty)
        {
            return;
        }

        var status = 0;
        var iterator = _iterator;
        if (iterator == 0)
        {
            byte root = 0;
            iterator = _open(WordBreaks, &root, null, 0, &status);
            Check(status, "ubrk_open");
            _iterator = iterator;
        }

        fixed (char* chars = text)
        {
            _setText(iterator, chars, text.Length, &status);
            Check(status, "ubrk_setText");
            var position = 0;
            for (int start = _first(iterator), end = _next(iterator); end != Done; start = end, end = _next(iterator))
            {
                tokens.Add(new TextToken(start, end, position));
                position += TextToken.CodePoints(text[start..end]);
            }
        }
    }

    private static void Check(int status, string call)
    {
        // ICU's U_FAILURE: errors are positive, warnings negative.
        if (status > 0)
        {
            throw new InvalidOperationException($"ICU {call} failed with UErrorCode {status}");
        }
    }

    /// <summary>
    /// The system's ICU: on Linux libicuuc.so.N, whose functions carry the version as a suffix (ubrk_open_72); on
    /// Windows the system's icu.dll without one.
    /// </summary>
    private static IcuTokenizer? Load()
    {
        for (var version = 90; version >= 50; version--)
        {
            if (NativeLibrary.TryLoad($"libicuuc.so.{version}", out var library))
            {
                return NativeLibrary.TryGetExport(library, $"ubrk_open_{version}", out _) ? new IcuTokenizer(library, $"_{version}")
                    : NativeLibrary.TryGetExport(library, "ubrk_open", out _) ? new IcuTokenizer(library, "")
                    : null;
            }
        }

        return OperatingSystem.IsWindows() && NativeLibrary.TryLoad("icu.dll", out var windows) ? new IcuTokenizer(windows, "") : null;
    }
}
