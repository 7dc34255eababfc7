#!/usr/bin/env python3
"""Writes stopwords.tsv (language<TAB>word, one a line) from tantivy's src/tokenizer/stop_word_filter/stopwords.rs,
the Snowball project's stop word lists (https://snowballstem.org/, BSD licence, copied in the header below) that
Milvus's stop filter names _danish_ ... _swedish_. Run: python3 generate.py PATH/TO/stopwords.rs"""
import re
import sys

source = open(sys.argv[1], encoding="utf-8").read()
licence = source[source.index("/*") + 2:source.index("*/")].strip()
with open("stopwords.tsv", "w", encoding="utf-8") as out:
    out.write("".join(f"# {line}".rstrip() + "\n" for line in licence.splitlines()))
    for language, body in re.findall(r"pub const (\w+): &\[&str\] = &\[(.*?)\];", source, re.S):
        for word in re.findall(r'"((?:[^"\\]|\\.)*)"', body):
            out.write(f"{language.lower()}\t{word}\n")
