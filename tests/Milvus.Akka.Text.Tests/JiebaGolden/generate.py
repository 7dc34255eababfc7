#!/usr/bin/python3
"""Writes jieba-golden.jsonl: generated texts and Python jieba's tokens for each in the four mode x HMM combinations,
the oracle JiebaGoldenTests compares the jieba tokenizer with. Needs Debian's python3-jieba (0.42.1); run it with
/usr/bin/python3 from this folder. The texts mix dictionary words, random ideographs (for the HMM), punctuation,
whitespace and ASCII words and numbers; characters beyond the basic plane are left out (jieba-rs, Milvus's jieba,
counts them as ideographs and Python jieba does not)."""
import json
import random

import jieba

jieba.setLogLevel(60)
random.seed(2026)
words = [line.decode('utf-8').split(' ')[0] for line in jieba.get_dict_file()]
ideographs = [chr(c) for c in range(0x4E00, 0x9FD6)]
between = list('，。！？、；：“”（）') + [' ', '\r\n', '\n', '\t']
ascii_words = ['milvus', 'Akka', '3.14%', '2024', 'abc123', 'c++', 'x-ray', 'a.b', 'foo_bar', '50%', '#tag', '&&']

texts = []
for _ in range(250):
    parts = []
    for _ in range(random.randint(1, 20)):
        r = random.random()
        parts.append(random.choice(words) if r < 0.55 else random.choice(ideographs) if r < 0.8
                     else random.choice(between) if r < 0.9 else random.choice(ascii_words))
    texts.append(''.join(parts))

cases = []
for mode, hmm in [('search', True), ('exact', True), ('exact', False), ('search', False)]:
    for text in texts:
        tokens = jieba.tokenize(text, mode='search' if mode == 'search' else 'default', HMM=hmm)
        cases.append({'mode': mode, 'hmm': hmm, 'text': text, 'tokens': [[word, start] for word, start, _ in tokens]})

with open('jieba-golden.jsonl', 'w', encoding='utf-8') as out:
    out.writelines(json.dumps(case, ensure_ascii=False) + '\n' for case in cases)
