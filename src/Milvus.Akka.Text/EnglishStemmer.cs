namespace Milvus.Akka.Text;

/// <summary>
/// Milvus's <c>stemmer</c> filter for English: the Snowball English (Porter2) algorithm, as tantivy runs it through
/// rust-stemmers. Works in place on the token buffer, without allocating; expects lowercase input.
/// </summary>
internal sealed class EnglishStemmer : TokenFilter
{
    public static readonly EnglishStemmer Instance = new();

    private static readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> Exceptions = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["skis"] = "ski", ["skies"] = "sky", ["dying"] = "die", ["lying"] = "lie", ["tying"] = "tie", ["idly"] = "idl",
        ["gently"] = "gentl", ["ugly"] = "ugli", ["early"] = "earli", ["only"] = "onli", ["singly"] = "singl",
        ["sky"] = "sky", ["news"] = "news", ["howe"] = "howe", ["atlas"] = "atlas", ["cosmos"] = "cosmos", ["bias"] = "bias",
        ["andes"] = "andes",
    }.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Words left alone once step 1a is done.</summary>
    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> Invariant = new HashSet<string>(StringComparer.Ordinal)
    {
        "inning", "outing", "canning", "herring", "earring", "proceed", "exceed", "succeed",
    }.GetAlternateLookup<ReadOnlySpan<char>>();

    private static readonly (string Suffix, string Replacement)[] Step2Rules =
    [
        ("ization", "ize"), ("ational", "ate"), ("fulness", "ful"), ("ousness", "ous"), ("iveness", "ive"), ("tional", "tion"),
        ("biliti", "ble"), ("lessli", "less"), ("entli", "ent"), ("ation", "ate"), ("alism", "al"), ("aliti", "al"),
        ("ousli", "ous"), ("iviti", "ive"), ("fulli", "ful"), ("enci", "ence"), ("anci", "ance"), ("abli", "able"),
        ("izer", "ize"), ("ator", "ate"), ("alli", "al"), ("bli", "ble"), ("ogi", "og"), ("li", ""),
    ];

    // Each step acts on the longest listed suffix the word ends with, so the lists are kept longest first.

    private static readonly (string Suffix, string Replacement)[] Step3Rules =
    [
        ("ational", "ate"), ("tional", "tion"), ("alize", "al"), ("icate", "ic"), ("iciti", "ic"), ("ative", ""),
        ("ical", "ic"), ("ness", ""), ("ful", ""),
    ];

    private static readonly string[] Step4Suffixes =
    [
        "ement", "ance", "ence", "able", "ible", "ment", "ant", "ent", "ism", "ate", "iti", "ous", "ive", "ize", "ion",
        "al", "er", "ic",
    ];

    public override bool Apply(Span<char> buffer, ref int length)
    {
        if (Exceptions.TryGetValue(buffer[..length], out var exception))
        {
            exception.CopyTo(buffer);
            length = exception.Length;
            return true;
        }

        if (length < 3)
        {
            return true;
        }

        var word = new Word(buffer, length);
        word.Prelude();
        if (word.Length >= 3)
        {
            word.MarkRegions();
            word.Step0();
            if (word.Step1A() && !Invariant.Contains(word.Text))
            {
                word.Step1B();
                word.Step1C();
                word.Apply(Step2Rules, 1);
                word.Apply(Step3Rules, 1);
                word.Step4();
                word.Step5();
            }
        }

        word.Postlude();
        length = word.Length;
        return true;
    }

    private ref struct Word(Span<char> buffer, int length)
    {
        private readonly Span<char> _buffer = buffer;
        private int _r1;
        private int _r2;

        public int Length { get; private set; } = length;

        public readonly ReadOnlySpan<char> Text => _buffer[..Length];

        private static bool IsVowel(char c) => c is 'a' or 'e' or 'i' or 'o' or 'u' or 'y';

        private readonly bool EndsWith(string suffix) => Text.EndsWith(suffix, StringComparison.Ordinal);

        private void Replace(int suffixLength, string replacement)
        {
            replacement.CopyTo(_buffer[(Length - suffixLength)..]);
            Length = Length - suffixLength + replacement.Length;
        }

        /// <summary>Drops a leading apostrophe; marks a y that starts the word or follows a vowel as a consonant (Y).</summary>
        public void Prelude()
        {
            if (_buffer[0] == '\'')
            {
                _buffer[1..Length].CopyTo(_buffer);
                Length--;
            }

            for (var i = 0; i < Length; i++)
            {
                if (_buffer[i] == 'y' && (i == 0 || IsVowel(_buffer[i - 1])))
                {
                    _buffer[i] = 'Y';
                }
            }
        }

        public readonly void Postlude()
        {
            for (var i = 0; i < Length; i++)
            {
                if (_buffer[i] == 'Y')
                {
                    _buffer[i] = 'y';
                }
            }
        }

        public void MarkRegions()
        {
            var text = Text;
            _r1 = text.StartsWith("gener") || text.StartsWith("arsen") ? 5 : text.StartsWith("commun") ? 6 : RegionAfter(0);
            _r2 = RegionAfter(_r1);
        }

        /// <summary>The position after the first non-vowel that follows a vowel, from <paramref name="start"/> on.</summary>
        private readonly int RegionAfter(int start)
        {
            for (var i = start + 1; i < Length; i++)
            {
                if (!IsVowel(_buffer[i]) && IsVowel(_buffer[i - 1]))
                {
                    return i + 1;
                }
            }

            return Length;
        }

        private readonly bool InR1(int suffixLength) => Length - suffixLength >= _r1;

        private readonly bool InR2(int suffixLength) => Length - suffixLength >= _r2;

        private readonly bool HasVowel(int end)
        {
            for (var i = 0; i < end; i++)
            {
                if (IsVowel(_buffer[i]))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>A short syllable ends at <paramref name="end"/> (exclusive).</summary>
        private readonly bool EndsWithShortSyllable(int end)
        {
            if (end == 2)
            {
                return IsVowel(_buffer[0]) && !IsVowel(_buffer[1]);
            }

            return end >= 3 && !IsVowel(_buffer[end - 3]) && IsVowel(_buffer[end - 2])
                && !IsVowel(_buffer[end - 1]) && _buffer[end - 1] is not ('w' or 'x' or 'Y');
        }

        public void Step0()
        {
            foreach (var suffix in (ReadOnlySpan<string>)["'s'", "'s", "'"])
            {
                if (EndsWith(suffix))
                {
                    Length -= suffix.Length;
                    return;
                }
            }
        }

        /// <summary>Plural endings; false when the word is left without letters to stem.</summary>
        public bool Step1A()
        {
            if (EndsWith("sses"))
            {
                Length -= 2;
            }
            else if (EndsWith("ied") || EndsWith("ies"))
            {
                Replace(3, Length > 4 ? "i" : "ie");
            }
            else if (EndsWith("us") || EndsWith("ss"))
            {
                // unchanged
            }
            else if (EndsWith("s") && HasVowel(Length - 2))
            {
                Length--;
            }

            return Length > 0;
        }

        public void Step1B()
        {
            foreach (var suffix in (ReadOnlySpan<string>)["eedly", "eed"])
            {
                if (EndsWith(suffix))
                {
                    if (InR1(suffix.Length))
                    {
                        Replace(suffix.Length, "ee");
                    }

                    return;
                }
            }

            foreach (var suffix in (ReadOnlySpan<string>)["ingly", "edly", "ing", "ed"])
            {
                if (!EndsWith(suffix))
                {
                    continue;
                }

                if (!HasVowel(Length - suffix.Length))
                {
                    return;
                }

                Length -= suffix.Length;
                if (EndsWith("at") || EndsWith("bl") || EndsWith("iz"))
                {
                    Replace(0, "e");
                }
                else if (Length >= 2 && _buffer[Length - 1] == _buffer[Length - 2] && _buffer[Length - 1] is 'b' or 'd' or 'f' or 'g' or 'm' or 'n' or 'p' or 'r' or 't')
                {
                    Length--;
                }
                else if (_r1 >= Length && EndsWithShortSyllable(Length))
                {
                    Replace(0, "e");
                }

                return;
            }
        }

        public readonly void Step1C()
        {
            if (Length > 2 && _buffer[Length - 1] is 'y' or 'Y' && !IsVowel(_buffer[Length - 2]))
            {
                _buffer[Length - 1] = 'i';
            }
        }

        /// <summary>Steps 2 and 3: the longest listed suffix, replaced when it lies in R1 (and its condition holds).</summary>
        public void Apply((string Suffix, string Replacement)[] rules, int region)
        {
            foreach (var (suffix, replacement) in rules)
            {
                if (!EndsWith(suffix))
                {
                    continue;
                }

                var before = Length - suffix.Length;
                var allowed = (region == 1 ? InR1(suffix.Length) : InR2(suffix.Length)) && suffix switch
                {
                    "ogi" => before > 0 && _buffer[before - 1] == 'l',
                    "li" => before > 0 && _buffer[before - 1] is 'c' or 'd' or 'e' or 'g' or 'h' or 'k' or 'm' or 'n' or 'r' or 't',
                    "ative" => InR2(suffix.Length),
                    _ => true,
                };
                if (allowed)
                {
                    Replace(suffix.Length, replacement);
                }

                return;
            }
        }

        public void Step4()
        {
            foreach (var suffix in Step4Suffixes)
            {
                if (!EndsWith(suffix))
                {
                    continue;
                }

                var before = Length - suffix.Length;
                if (InR2(suffix.Length) && (suffix != "ion" || (before > 0 && _buffer[before - 1] is 's' or 't')))
                {
                    Length = before;
                }

                return;
            }
        }

        public void Step5()
        {
            if (EndsWith("e"))
            {
                if (InR2(1) || (InR1(1) && !EndsWithShortSyllable(Length - 1)))
                {
                    Length--;
                }
            }
            else if (EndsWith("l") && InR2(1) && Length >= 2 && _buffer[Length - 2] == 'l')
            {
                Length--;
            }
        }
    }
}
