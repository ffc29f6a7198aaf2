"""Tests of llmsite.tokenizer, the pure-Python byte-level BPE tokenizer.

The heart of it is parity: for every text below, our ids AND character offsets must equal
those of Hugging Face ``tokenizers`` loading the same ``tokenizer.json`` (tests marked
``model``). The rest checks hand-computed values, the BPE algorithm on a toy vocabulary,
the Unicode tables and that the module stays importable in Pyodide.

``LLMSITE_TEST_ALL_CODEPOINTS=1`` adds a sweep of every code point through both
pre-tokenizers (about 12 s more); by default a sample of them (every BMP code point, both sides
of every range boundary and random astral ones) is checked.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from llmsite import tokenizer as T
from llmsite.tokenizer import Tokenizer, load_model_tokenizer

ROOT = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def tok() -> Tokenizer:
    from llmsite.model import ModelUnavailable

    try:
        return load_model_tokenizer()
    except ModelUnavailable as e:
        pytest.skip(str(e))


@pytest.fixture(scope="module")
def hf(tok):
    tokenizers = pytest.importorskip("tokenizers")
    from llmsite.model import ensure_model

    return tokenizers.Tokenizer.from_file(str(ensure_model() / "tokenizer.json"))


def toy(merges, added=()) -> Tokenizer:
    """A tokenizer whose vocabulary is the 256 byte symbols plus what ``merges`` make."""
    vocab = {c: i for i, c in enumerate(T._BYTE_CHARS)}
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    added = [
        {"id": len(vocab) + k, "content": c, "special": True, "normalized": False}
        for k, c in enumerate(added)
    ]
    return Tokenizer.from_dict(
        {
            "normalizer": None,
            "pre_tokenizer": {
                "type": "Sequence",
                "pretokenizers": [
                    {"type": "Digits", "individual_digits": True},
                    {"type": "ByteLevel", "add_prefix_space": False, "use_regex": True},
                ],
            },
            "post_processor": None,
            "decoder": {"type": "ByteLevel"},
            "added_tokens": added,
            "model": {"type": "BPE", "vocab": vocab, "merges": [list(m) for m in merges]},
        }
    )


def pieces(text: str, split_digits: bool = True) -> list[str]:
    return T._piece_pattern(split_digits).findall(text)


# --------------------------------------------------------------------------- no model needed


def test_import_is_light_and_stdlib_only():
    code = (
        "import sys, time; before = set(sys.modules); t = time.perf_counter(); "
        "import llmsite.tokenizer; dt = time.perf_counter() - t; "
        "new = set(sys.modules) - before; print(dt); "
        "print(sorted(m for m in new if m.split('.')[0] not in sys.stdlib_module_names "
        "and m.split('.')[0] != 'llmsite')); "
        "print('llmsite.model' in new, 'threading' in new, 'subprocess' in new)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert float(out[0]) < 1.0
    assert out[1] == "[]"  # nothing outside the standard library
    assert out[2] == "False False False"  # no model code, no threads, no processes


def test_pieces_hand_computed():
    assert pieces("I'm learning about tokenization") == [
        "I", "'m", " learning", " about", " tokenization"
    ]
    assert pieces(" 12345") == [" ", "1", "2", "3", "4", "5"]
    assert pieces("abc123def") == ["abc", "1", "2", "3", "def"]
    assert pieces("DON'T don't") == ["DON", "'", "T", " don", "'t"]
    assert pieces("a  b  ") == ["a", " ", " b", "  "]
    assert pieces("a   1") == ["a", "   ", "1"]  # the numeral ends the stretch before it
    assert pieces("½²١٢５") == ["½", "²", "١", "٢", "５"]  # No and Nd, one by one
    assert pieces("一二三") == ["一二三"]  # CJK numerals are letters (Lo), not numerals
    assert pieces("a\x1cb") == ["a", "\x1c", "b"]  # U+001C is \s for Python, not Oniguruma
    assert pieces("hello!!! ...") == ["hello", "!!!", " ..."]
    assert pieces("\n\n  x") == ["\n\n ", " x"]
    assert pieces("x  ", split_digits=False) == ["x", "  "]
    assert pieces(" 12345", split_digits=False) == [" 12345"]


def test_non_breaking_space_is_whitespace_but_not_the_prefix_space():
    # \s+(?!\S) leaves the last of the two spaces; " ?" only takes U+0020, so the
    # no-break space before "y" stands alone and "y" is its own piece
    assert pieces("x\u00a0\u00a0y") == ["x", "\u00a0", "\u00a0", "y"]
    assert pieces("x \u00a0y") == ["x", " ", "\u00a0", "y"]
    assert pieces("x\u00a0 y") == ["x", "\u00a0", " y"]


def test_tables_match_unicodedata():
    """The pinned tables are general categories L and N and Oniguruma's \\s: checked for
    every code point the running Python's Unicode database knows."""
    version = tuple(int(x) for x in unicodedata.unidata_version.split("."))
    if version > (16, 0, 0):
        pytest.skip(f"Python's Unicode {unicodedata.unidata_version} is newer than the tables")
    sets = {
        name: {cp for a, b in T._parse_ranges(spec) for cp in range(a, b + 1)}
        for name, spec in (("L", T._LETTER_RANGES), ("N", T._NUMERIC_RANGES), ("S", T._SPACE_RANGES))
    }
    assert len(sets["S"]) == 25
    category = unicodedata.category
    for cp in range(0x110000):
        cat = category(chr(cp))
        if cat == "Cn" and version < (16, 0, 0):
            continue  # unassigned in this Python, maybe assigned in 16.0
        assert (cp in sets["L"]) == (cat[0] == "L"), hex(cp)
        assert (cp in sets["N"]) == (cat[0] == "N"), hex(cp)
        assert (cp in sets["S"]) == (cat in ("Zs", "Zl", "Zp") or 9 <= cp <= 13 or cp == 0x85), hex(cp)


def test_byte_alphabet():
    assert len(set(T._BYTE_CHARS)) == 256
    assert T._BYTE_CHARS[ord(" ")] == "Ġ" and T._BYTE_CHARS[ord("\n")] == "Ċ"
    assert T._BYTE_CHARS[ord("a")] == "a" and T._BYTE_CHARS[0xE9] == "é"
    assert T._BYTE_CHARS[0] == "\u0100" and T._BYTE_CHARS[0xAD] == "\u0143"


def test_bpe_lowest_rank_first_and_leftmost_on_ties():
    t = toy([("b", "c"), ("a", "b"), ("a", "a"), ("bc", "d")])
    v = t._vocab
    assert t.tokens("abc") == ["a", "bc"]  # (b,c) ranks before (a,b)
    assert t.tokens("abd") == ["ab", "d"]
    assert t.tokens("bcd") == ["bcd"]
    assert t.tokens("aaa") == ["aa", "a"]  # leftmost of equal pairs
    assert t.tokens("aaaa") == ["aa", "aa"]
    assert t.encode("abcd") == [v["a"], v["bcd"]]
    assert t.tokens(" ab") == ["Ġ", "ab"]  # no merge with Ġ in this toy
    assert t.encode_with_offsets(" abc") == [(v["Ġ"], 0, 1), (v["a"], 1, 2), (v["bc"], 2, 4)]


def test_bpe_long_piece_uses_the_same_rule():
    rng = random.Random(7)
    letters = "abcd"
    merges = []
    made = list(letters)
    for _ in range(40):  # random merges, in an order that can build on earlier ones
        a, b = rng.choice(made), rng.choice(made)
        if (a, b) not in merges and len(a + b) < 9:
            merges.append((a, b))
            made.append(a + b)
    t = toy(merges)
    for _ in range(300):
        word = "".join(rng.choice(letters) for _ in range(rng.randint(2, 600)))
        ids = [t._byte_ids[b] for b in word.encode()]
        short = T._merge(list(ids[:256]), t._ranks, t._merged, t._mul)
        long_ = T._merge_long(list(ids[:256]), t._ranks, t._merged, t._mul)
        assert short == long_
        if len(ids) > 256:  # whole word: _merge hands over to _merge_long itself
            assert T._merge(list(ids), t._ranks, t._merged, t._mul) == T._merge_long(
                list(ids), t._ranks, t._merged, t._mul
            )


def test_ignore_merges_takes_whole_vocabulary_words():
    vocab = {c: i for i, c in enumerate(T._BYTE_CHARS)}
    vocab.update({"bc": 256, "abc": 257})
    merges = [("b", "c")]
    assert Tokenizer(vocab, merges).tokens("abc") == ["a", "bc"]
    assert Tokenizer(vocab, merges, ignore_merges=True).tokens("abc") == ["abc"]
    assert Tokenizer(vocab, ["b c"]).tokens("abcd") == ["a", "bc", "d"]  # "a b" merges


def test_added_tokens_leftmost_longest_anywhere():
    t = toy([("a", "b")], added=["<x>", "<x><y>", "<y>"])
    ids = {c: t._added[c] for c in ("<x>", "<x><y>", "<y>")}
    assert t.encode_with_offsets("ab<x><y><y>c<x") == [
        (t._vocab["ab"], 0, 2),
        (ids["<x><y>"], 2, 8),
        (ids["<y>"], 8, 11),
        (t._vocab["c"], 11, 12),
        (t._vocab["<"], 12, 13),
        (t._vocab["x"], 13, 14),
    ]
    assert t.special_ids == set(ids.values())
    assert t.decode(t.encode("q<y>q")) == "q<y>q"


def test_surrogates_raise_with_the_index():
    t = toy([])
    for text, index in (("ab\ud800c", 2), ("x\U0001f600 \udfff", 3), ("\ud83d\ude00", 0)):
        with pytest.raises(UnicodeEncodeError) as e:
            t.encode(text)
        assert e.value.start == index
        with pytest.raises(ValueError):
            t.encode_with_offsets(text)
    assert t.encode("ok") == [t._vocab["o"], t._vocab["k"]]  # nothing half-cached


def test_unsupported_configurations_are_refused():
    vocab = {c: i for i, c in enumerate(T._BYTE_CHARS)}
    base = {
        "model": {"type": "BPE", "vocab": vocab, "merges": []},
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False},
        "decoder": {"type": "ByteLevel"},
    }
    assert Tokenizer.from_dict(base).encode(" a") == [vocab["Ġ"], vocab["a"]]
    for key, value in (
        ("normalizer", {"type": "NFC"}),
        ("pre_tokenizer", {"type": "Whitespace"}),
        ("pre_tokenizer", {"type": "ByteLevel", "add_prefix_space": True}),
        ("truncation", {"max_length": 8}),
        ("decoder", None),
        ("post_processor", {"type": "TemplateProcessing", "single": [
            {"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}]}),
        ("model", {"type": "WordPiece", "vocab": vocab}),
        ("model", {"type": "BPE", "vocab": vocab, "merges": [], "byte_fallback": True}),
    ):
        with pytest.raises(NotImplementedError):
            Tokenizer.from_dict({**base, key: value})


def test_cache_is_bounded_and_harmless():
    t = toy([("a", "b")])
    t.CACHE_SIZE = 4
    text = " ".join(f"ab{c}" for c in "cdefghijklmnop")
    first = t.encode_with_offsets(text)
    assert len(t._cache) <= 4 and len(t._offset_cache) <= 4
    assert t.encode_with_offsets(text) == first
    assert [i for i, _, _ in first] == t.encode(text)


# --------------------------------------------------------------------------- the real model


@pytest.mark.model
def test_hand_computed_real_values(tok):
    assert tok.encode("I'm learning about tokenization") == [57, 5248, 1380, 563, 9624, 1237]
    assert tok.tokens("I'm learning about tokenization") == [
        "I", "'m", "Ġlearning", "Ġabout", "Ġtoken", "ization"
    ]
    assert tok.encode_with_offsets(" 12345") == [
        (216, 0, 1), (33, 1, 2), (34, 2, 3), (35, 3, 4), (36, 4, 5), (37, 5, 6)
    ]
    assert tok.tokens(" 12345") == ["Ġ", "1", "2", "3", "4", "5"]
    assert tok.encode_with_offsets(" hello world") == [(33662, 0, 6), (905, 6, 12)]
    assert tok.tokens("DON'T") == ["D", "ON", "'", "T"]
    # an emoji is split into byte tokens, each with the offsets of the whole character
    assert tok.encode_with_offsets("😀x") == [(10813, 0, 1), (242, 0, 1), (218, 0, 1), (104, 1, 2)]
    assert tok.encode("<|im_start|>user\nhi<|im_end|>") == [1, 4093, 198, 6004, 2]
    assert tok.encode_with_offsets("x<|endoftext|>y") == [(104, 0, 1), (0, 1, 14), (105, 14, 15)]
    assert tok.tokens("½² ١٢") == ["Â½", "Â²", "Ġ", "Ù", "¡", "Ù", "¢"]
    assert tok.encode("") == [] and tok.encode_with_offsets("") == []
    assert tok.decode([1, 4093, 198, 6004, 2]) == "<|im_start|>user\nhi<|im_end|>"
    assert tok.decode([242]) == "\ufffd"  # a lone continuation byte
    assert tok.token_bytes(33662) == b" hello" and tok.token_bytes(1) == b"<|im_start|>"
    assert tok.id_to_token(33662) == "Ġhello"
    assert tok.vocab_size == 49152
    assert tok.special_ids == set(range(17))
    # bytes the vocabulary lacks are dropped, as tokenizers drops them, and the offsets
    # of what follows shift as tokenizers' do
    assert tok.encode_with_offsets("!\x04?") == [(17, 0, 1), (47, 1, 2)]
    assert tok.encode("\x04") == []


@pytest.mark.model
def test_vocabulary_agrees(tok, hf):
    assert tok.vocab_size == hf.get_vocab_size()
    assert tok.special_ids == {i for i, t in hf.get_added_tokens_decoder().items() if t.special}
    vocab = hf.get_vocab()
    for token, i in vocab.items():
        assert tok.id_to_token(i) == token


# ---- the parity corpus


def _docs() -> list[str]:
    files = sorted((ROOT / "docs").glob("**/*.md")) + [ROOT / "README.md"]
    # our own source is more real text (English, code, Unicode tables)
    files += sorted((ROOT / "llmsite").glob("*.py")) + [Path(__file__)]
    return [p.read_text(encoding="utf-8") for p in files if p.is_file()]


_EMOJI = [
    "👨‍👩‍👧‍👦 family", "👩🏽‍💻 coder", "👍🏻👍🏼👍🏽👍🏾👍🏿", "🇺🇸🇯🇵🇫🇷🇧🇷", "🏴󠁧󠁢󠁳󠁣󠁴󠁿 Scotland",
    "1️⃣ #️⃣ *️⃣", "❤️‍🔥 ❤️ ♥", "🏳️‍🌈🏳️‍⚧️", "🤖 LLMs 🧠 tokens 🔤", "😀😃😄😁😆😅🤣😂",
    "I ❤ emoji!!! 🎉🎉🎉", "👁‍🗨", "🧑‍🤝‍🧑", "x😀y", " 😀", "😀 ",
]
_SCRIPTS = [
    "大型语言模型是如何工作的？它们预测下一个词元。",
    "トークン化は、テキストを小さな単位に分割します。ひらがなとカタカナと漢字。",
    "언어 모델은 어떻게 작동합니까? 토큰화는 중요합니다.",
    "كيف تعمل النماذج اللغوية الكبيرة؟ ١٢٣ الرموز",
    "איך עובדים מודלי שפה גדולים? אסימונים",
    "बड़े भाषा मॉडल कैसे काम करते हैं? १२३ टोकन",
    "ภาษาไทยไม่มีช่องว่างระหว่างคำ",
    "Ελληνικά: Τι είναι ένα γλωσσικό μοντέλο;",
    "Русский текст: языковая модель, токены.",
    "ქართული ენა, Հայերեն, አማርኛ, ᏣᎳᎩ",
    "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇ combining",
    "e\u0301 a\u0308 o\u0302\u0323 \u0301 alone",
    "𝐁𝐨𝐥𝐝 𝔉𝔯𝔞𝔨𝔱𝔲𝔯 𝕯𝖔𝖚𝖇𝖑𝖊 ℌ𝔦𝔩𝔟𝔢𝔯𝔱",
    "𐌰𐌱𐌲 𓀀𓀁 𒀀 𖹀 𞤀𞤁",
]
_NFX = ["Crème brûlée, naïve café, Åström, Ångström, São Paulo, Việt Nam", "한국어", "ﬁ ﬂ ㎏ Ⅳ"]
_WHITESPACE = [
    "a\tb", "\t\t\tx", "line1\nline2\r\nline3\r\n", "\r\n\r\n\r\n", "   leading", "trailing   ",
    " " * 1000, " " * 1000 + "x", "\n" * 50, "a \n b", "  \t \n  x  \t", "x\n\n\n", "\n \n \n",
    "a\u00a0b \u00a0c\u00a0 d", "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a",
    "x\u3000y\u3000\u3000", "\u202f\u205f\u1680", "a\u2028b\u2029c", "a\x85b", "\x0b\x0c",
    "a\x1cb\x1dc\x1ed\x1f", "zero\u200bwidth\u200c\u200d", "\ufeffBOM", "\t 1 \t 2",
    "  " + "\u00a0" * 5 + "  ", " \u3000 x",
]
_DIGITS = [
    "3.14159265358979323846264338327950288419716939937510", "1234567890" * 20, " 2024-06-01",
    "$1,000,000.00 and 42%", "٠١٢٣٤٥٦٧٨٩ ٣٫١٤", "۰۱۲۳ ०१२३ ০১২ ๐๑๒", "０１２３４５６７８９ ｘ",
    "x² + y³ = z¹⁰ ⁴²", "½ ¼ ¾ ⅓ ⅞ ⅒", "Ⅻ ⅻ ↂ 〇", "①②⑳ ⑴ ⒈ ❶", "𝟘𝟙𝟚 𝟎𝟏", "一二三 十 百",
    "𐄇𐄈 𑁒 𞋰", "0x1F600 0b1010 1e-9 1_000_000", "v1.2.3-rc4", "a1b2c3", " 1 2 3 ", "123abc456",
    "\U00010d40\U00010d41 \U000116d0",  # Garay and Myanmar Pao digits: Unicode 16.0
]
_CONTRACTIONS = [
    "DON'T", "don't", "I'M I'm i'm", "we'll WE'LL We'Ll", "they've THEY'VE", "it's It'S IT'S",
    "he'd HE'D", "you're YOU'RE", "'s 's' 'S", "''", "rock 'n' roll", "don’t (curly)",
    "'tis 'twas", "o'clock", "''s'''t",
]
_CODE = [
    'def f(x: int) -> int:\n    """Double x."""\n    return 2 * x  # comment\n\n\nprint(f(21))\n',
    "const add = (a, b) => a + b;\nconsole.log(`sum: ${add(1, 2)}`);\n// done\n",
    '{"model": "SmolLM2-135M", "vocab_size": 49152, "ok": true, "list": [1, 2.5, null]}',
    "<html><body><p class=\"x\">Hi &amp; bye</p></body></html>",
    "for i in $(seq 1 10); do echo \"$i\"; done | sort -n > out.txt 2>&1",
    "SELECT id, name FROM users WHERE age >= 18 ORDER BY name;",
    "\tif (x != y) {\n\t\treturn -1;\n\t}\n",
    "fn main() { let v: Vec<u8> = vec![0xff; 4]; println!(\"{:?}\", v); }",
    "$$\\sum_{i=1}^{n} x_i^2 \\leq \\frac{1}{2}$$",
]
_URLS = [
    "https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct?x=1&y=2#frag",
    "mailto:someone@example.com, ftp://files.example.org/pub/file-1.tar.gz",
    "www.example.com/path/to/page.html?query=hello%20world",
]


def _specials(tok: Tokenizer) -> list[str]:
    names = [tok.id_to_token(i) for i in sorted(tok.special_ids)]
    out = list(names)
    out.append("".join(names))
    out += [f"abc{n}def" for n in names] + [f" {n} " for n in names] + [f"\n{n}\n" for n in names]
    out += [
        "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n"
        "<|im_start|>assistant\n",
        "<|im_start", "<|im_start|", "im_start|>", "<<|im_end|>>", "<|im_end|><|im_end|>",
        "<repo_name><reponame>", "<|IM_START|>", "< |im_start| >", "<|im_start|>12",
    ]
    return out


_DROPPED = [  # characters some of whose bytes the SmolLM2 vocabulary lacks
    "\x04", "a\x04b", "!\x04?", "(\x04)\x04]", " \x04\x04;", "\x06\x13\x14\x16\x1d",
    "ab\U00050000cd", "\U00050000\U00050000xx", "\U000bffff \U00040000!", "x\x04 \x04y",
]


def _fuzz(n: int, seed: int) -> list[str]:
    """``n`` strings: half of code points drawn from the whole Unicode range (surrogates
    left out), half mixing those with ASCII, spaces, numerals and a special token."""
    rng = random.Random(seed)

    def any_char():
        while True:
            cp = rng.randrange(0x110000)
            if not 0xD800 <= cp < 0xE000:
                return chr(cp)

    common = list("aeiou tnsrlE'\"!?.,-_\n\t ") + ["  ", "1", "٣", "²", "é", "中", "\u00a0", "😀"]
    common += ["<|im_end|>", "'s", "'re", "\u0301", "\r\n"]
    out = []
    for k in range(n):
        length = rng.randrange(1, 40)
        if k % 2:
            out.append("".join(any_char() for _ in range(length)))
        else:
            out.append("".join(any_char() if rng.random() < 0.25 else rng.choice(common) for _ in range(length)))
    return out


def _big_text(corpus: list[str], size: int = 1_000_000) -> str:
    rng = random.Random(3)
    parts, n = [], 0
    while n < size:
        s = rng.choice(corpus)
        parts.append(s)
        n += len(s)
    return "".join(parts)[:size]


def corpus(tok: Tokenizer) -> dict[str, list[str]]:
    c = {
        "docs": _docs(),
        "emoji": _EMOJI,
        "scripts": _SCRIPTS,
        "nfc-nfd": [unicodedata.normalize(f, s) for s in _NFX + _SCRIPTS for f in ("NFC", "NFD", "NFKC", "NFKD")],
        "whitespace": _WHITESPACE,
        "digits": _DIGITS,
        "contractions": _CONTRACTIONS,
        "code": _CODE,
        "urls": _URLS,
        "specials": _specials(tok),
        "dropped-bytes": _DROPPED,
        "empty": [""],
        "fuzz": _fuzz(4000, seed=12345),
    }
    small = [s for k, v in c.items() for s in v if k != "fuzz"]
    # every piece of the corpus glued to every other kind of text
    rng = random.Random(5)
    c["joined"] = ["".join(rng.sample(small, 3)) for _ in range(300)]
    c["1MB"] = [_big_text(small)]
    return c


_CORPUS: dict[str, list[str]] = {}


@pytest.fixture(scope="module")
def parity_corpus(tok) -> dict[str, list[str]]:
    if not _CORPUS:
        _CORPUS.update(corpus(tok))
    return _CORPUS


def _check(tok: Tokenizer, hf, texts: list[str]) -> int:
    """Asserts parity for each text; returns the number of characters checked."""
    n = 0
    lost = {b for b in range(256) if tok._byte_ids[b] is None}
    for text in texts:
        e = hf.encode(text)
        mine = tok.encode_with_offsets(text)
        where = repr(text[:60])
        assert [i for i, _, _ in mine] == e.ids, where
        assert [(s, t) for _, s, t in mine] == list(e.offsets), where
        assert tok.encode(text) == e.ids, where
        assert tok.tokens(text) == e.tokens, where
        decoded = tok.decode(e.ids)
        assert decoded == hf.decode(e.ids, skip_special_tokens=False), where
        if not lost.intersection(text.encode("utf-8")):
            assert decoded == text, where
        n += len(text)
    return n


@pytest.mark.model
@pytest.mark.parametrize(
    "kind",
    ["docs", "emoji", "scripts", "nfc-nfd", "whitespace", "digits", "contractions", "code",
     "urls", "specials", "dropped-bytes", "empty", "fuzz", "joined", "1MB"],
)
def test_parity_with_tokenizers(tok, hf, parity_corpus, kind):
    texts = parity_corpus[kind]
    assert texts or kind == "docs"
    _check(tok, hf, texts)


@pytest.mark.model
def test_parity_long_whitespace_and_repeats(tok, hf):
    texts = [" " * 20000, " " * 20000 + "x", "\n" * 5000 + " end", "ab" * 5000, "!" * 3000,
             "9" * 5000, "😀" * 500, "a" * 3000 + " " + "b" * 3000]
    _check(tok, hf, texts)


@pytest.mark.model
def test_decode_random_ids_like_tokenizers(tok, hf):
    rng = random.Random(9)
    for _ in range(2000):
        ids = [rng.randrange(tok.vocab_size) if rng.random() < 0.5 else rng.randrange(100, 300)
               for _ in range(rng.randrange(12))]
        if rng.random() < 0.1:
            ids.insert(rng.randrange(len(ids) + 1), tok.vocab_size + 5)  # unknown: skipped
        assert tok.decode(ids) == hf.decode(ids, skip_special_tokens=False), ids
    for i in range(tok.vocab_size):
        assert tok.decode([i]) == tok.token_bytes(i).decode("utf-8", "replace")


def _codepoint_sample() -> list[int]:
    if os.environ.get("LLMSITE_TEST_ALL_CODEPOINTS") == "1":
        return [cp for cp in range(0x110000) if not 0xD800 <= cp < 0xE000]
    cps = set(range(0xD800)) | set(range(0xE000, 0x10000))
    for spec in (T._LETTER_RANGES, T._NUMERIC_RANGES, T._SPACE_RANGES):
        for a, b in T._parse_ranges(spec):
            cps.update((a - 1, a, b, b + 1))
    rng = random.Random(11)
    cps.update(rng.randrange(0x10000, 0x110000) for _ in range(20000))
    return sorted(cp for cp in cps if 0 <= cp < 0x110000 and not 0xD800 <= cp < 0xE000)


@pytest.mark.model
def test_every_code_point_class_like_tokenizers(tok, hf):
    """``a c ! c c`` splits into a different number of pieces for a letter (3), a numeral
    (5), white space (4) and anything else (2); both pre-tokenizers must agree."""
    hf_pieces = hf.pre_tokenizer.pre_tokenize_str
    ours = tok._pieces
    bad = []
    for cp in _codepoint_sample():
        c = chr(cp)
        s = f"a{c}!{c}{c}"
        if len(hf_pieces(s)) != len(ours(s)):
            bad.append(hex(cp))
    assert bad == []
