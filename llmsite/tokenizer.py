"""A byte-level BPE tokenizer in pure Python (standard library only).

It reads a Hugging Face ``tokenizer.json`` (the one the SmolLM2 model ships with) and gives
**exactly** the token ids and the character offsets that the ``tokenizers`` library (0.23.3)
gives for the same text: ``Tokenizer.from_file(path).encode(text).ids`` / ``.offsets``.
It imports nothing outside the standard library (no ``regex``, no ``tokenizers``, no torch),
starts no threads or processes and touches no files unless asked to, so the same file runs
in Pyodide in the browser.

How text becomes tokens, step by step (the same steps ``tokenizers`` takes):

1. **Added (special) tokens** such as ``<|im_start|>`` are found in the raw text first,
   leftmost match first and the longest one where two start at the same place, even in the
   middle of a word. Each becomes its own token; the text between them goes on to step 2.
   This is what ``tokenizers`` does by default (``add_special_tokens=True``,
   ``split_special_tokens=False``), so text that *spells* ``<|im_start|>`` is encoded as
   the special token, id 1, exactly as the model's chat template expects.
2. **Digits** (``Digits(individual_digits=True)``): every numeric character stands alone.
   "Numeric" is Rust's ``char::is_numeric``, the Unicode general categories Nd, Nl and No,
   so ``١`` (Arabic-Indic one), ``５`` (fullwidth five), ``²`` and ``½`` are split off too.
3. **GPT-2 pre-tokenizer** on each stretch between numerals::

       's|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+

   Python's ``re`` has no ``\\p{...}``, and its ``\\s`` is not Oniguruma's ``\\s``, so
   the classes are spelled out as code-point ranges below: letters are general category L,
   numerals category N and white space is Oniguruma's ``\\s`` (TAB..CR, U+0085 and the
   categories Zs, Zl, Zp; *not* U+001C..U+001F, which Python's ``\\s`` counts).
   Steps 2 and 3 are done by one regular expression: numerals match one at a time, and
   the look-ahead of ``\\s+(?!\\S)`` treats a numeral like the end of the text.
4. **Byte-level BPE**: each piece is encoded to UTF-8 and every byte becomes a symbol, then
   the pair with the lowest merge rank is merged again and again (the leftmost one where the
   same pair occurs twice), as ``tokenizers`` does. Results are cached per piece, so a word
   seen before costs one dictionary lookup.

Offsets are indices into the Python ``str`` (code points), like those of the ``tokenizers``
Python binding. The ``trim_offsets`` flag of the pre-tokenizer is not applied by
``tokenizers`` here (the post-processor is a no-op template), so ``" hello"`` keeps its
space: ``(0, 6)``. A token that holds only some of the bytes of a character (emoji are
often split into 2-3 tokens) gets the offsets of the whole character.

**Unicode version.** The ranges are pinned to Unicode 16.0.0, the version of Oniguruma and
Rust inside ``tokenizers`` 0.23.3, instead of being computed from ``unicodedata`` at run
time: CPython 3.11 ships Unicode 14.0 and 3.15 will ship 17.0, and with either some
characters would split differently from the real tokenizer. (The ranges were read off
``tokenizers`` itself; they are the general categories of Unicode 16.0.0.) The tests check
them against ``tokenizers`` (every BMP code point, both sides of every range boundary and
a random sample of the rest; all of them with ``LLMSITE_TEST_ALL_CODEPOINTS=1``) and
against ``unicodedata`` for every code point the running Python knows. Turning them into a
regular expression costs ~30 ms, once, when the first ``Tokenizer`` is made
(``import llmsite.tokenizer`` builds no tables).

**Lone surrogates** (``"\\ud800"``, which a Python ``str`` can hold) have no UTF-8 bytes,
so they cannot be tokenized. ``tokenizers`` refuses such text with
``TypeError: TextInputSequence must be str``; we raise ``UnicodeEncodeError`` (a
``ValueError``) whose ``start`` is the index of the first surrogate in the text.

**Bytes the vocabulary lacks.** SmolLM2's vocabulary has no symbol for 21 of the 256
bytes: 0x04 0x06 0x13 0x14 0x16 0x1D (control characters), 0xC0 0xC1 0xF5-0xFF (never in
UTF-8) and 0xF1 0xF2 (the lead bytes of U+40000..U+BFFFF, planes 4-11, all unassigned).
``tokenizers`` silently drops such a byte (there is no unk token and no byte fallback),
merges the bytes on either side as if it were not there, and counts the offsets of the
tokens after it as if it were not there either, so they point a little to the left
(``"!\\x04?"`` gives ``'!'`` (0, 1) and ``'?'`` (1, 2)). We do exactly the same, for parity.

**Decoding** is ``tokenizers``' ``decode(ids, skip_special_tokens=False)`` with the
ByteLevel decoder: the bytes of all tokens are joined and read as UTF-8, a broken sequence
becoming U+FFFD; ids the vocabulary does not have are skipped, as ``tokenizers`` does.
``decode(encode(s)) == s`` for every ``str`` without lone surrogates and without the
characters above whose bytes are dropped (U+0004, U+0006, U+0013, U+0014, U+0016, U+001D
and U+40000..U+BFFFF).

Only what ``tokenizer.json`` files of this kind use is implemented (BPE model, no
normalizer, ByteLevel pre-tokenizer with or without the individual-digits split, no
truncation); anything else raises ``NotImplementedError`` rather than tokenizing wrongly.

Usage::

    from llmsite.tokenizer import load_model_tokenizer
    tok = load_model_tokenizer()
    tok.encode("I'm learning about tokenization")   # [57, 5248, 1380, 563, 9624, 1237]
    tok.tokens(" 12")                               # ['Ġ', '1', '2']
"""

from __future__ import annotations

import json
import re
from heapq import heapify, heappop, heappush

__all__ = ["Tokenizer", "load_model_tokenizer", "UNICODE_VERSION"]

UNICODE_VERSION = "16.0.0"

# --------------------------------------------------------------------------- character classes
# Code-point ranges (hex, "first-last" or a single code point), Unicode 16.0.0.
# Letters: general category L (Lu Ll Lt Lm Lo) = Oniguruma's \p{L}.
# Numerals: general category N (Nd Nl No) = Rust's char::is_numeric = Oniguruma's \p{N}.
# White space: Oniguruma's \s.

_LETTER_RANGES = (
    "41-5a 61-7a aa b5 ba c0-d6 d8-f6 f8-2c1 2c6-2d1 2e0-2e4 2ec 2ee 370-374 376-377 37a-37d "
    "37f 386 388-38a 38c 38e-3a1 3a3-3f5 3f7-481 48a-52f 531-556 559 560-588 5d0-5ea 5ef-5f2 "
    "620-64a 66e-66f 671-6d3 6d5 6e5-6e6 6ee-6ef 6fa-6fc 6ff 710 712-72f 74d-7a5 7b1 7ca-7ea "
    "7f4-7f5 7fa 800-815 81a 824 828 840-858 860-86a 870-887 889-88e 8a0-8c9 904-939 93d 950 "
    "958-961 971-980 985-98c 98f-990 993-9a8 9aa-9b0 9b2 9b6-9b9 9bd 9ce 9dc-9dd 9df-9e1 "
    "9f0-9f1 9fc a05-a0a a0f-a10 a13-a28 a2a-a30 a32-a33 a35-a36 a38-a39 a59-a5c a5e a72-a74 "
    "a85-a8d a8f-a91 a93-aa8 aaa-ab0 ab2-ab3 ab5-ab9 abd ad0 ae0-ae1 af9 b05-b0c b0f-b10 "
    "b13-b28 b2a-b30 b32-b33 b35-b39 b3d b5c-b5d b5f-b61 b71 b83 b85-b8a b8e-b90 b92-b95 "
    "b99-b9a b9c b9e-b9f ba3-ba4 ba8-baa bae-bb9 bd0 c05-c0c c0e-c10 c12-c28 c2a-c39 c3d "
    "c58-c5a c5d c60-c61 c80 c85-c8c c8e-c90 c92-ca8 caa-cb3 cb5-cb9 cbd cdd-cde ce0-ce1 "
    "cf1-cf2 d04-d0c d0e-d10 d12-d3a d3d d4e d54-d56 d5f-d61 d7a-d7f d85-d96 d9a-db1 db3-dbb "
    "dbd dc0-dc6 e01-e30 e32-e33 e40-e46 e81-e82 e84 e86-e8a e8c-ea3 ea5 ea7-eb0 eb2-eb3 ebd "
    "ec0-ec4 ec6 edc-edf f00 f40-f47 f49-f6c f88-f8c 1000-102a 103f 1050-1055 105a-105d 1061 "
    "1065-1066 106e-1070 1075-1081 108e 10a0-10c5 10c7 10cd 10d0-10fa 10fc-1248 124a-124d "
    "1250-1256 1258 125a-125d 1260-1288 128a-128d 1290-12b0 12b2-12b5 12b8-12be 12c0 "
    "12c2-12c5 12c8-12d6 12d8-1310 1312-1315 1318-135a 1380-138f 13a0-13f5 13f8-13fd "
    "1401-166c 166f-167f 1681-169a 16a0-16ea 16f1-16f8 1700-1711 171f-1731 1740-1751 "
    "1760-176c 176e-1770 1780-17b3 17d7 17dc 1820-1878 1880-1884 1887-18a8 18aa 18b0-18f5 "
    "1900-191e 1950-196d 1970-1974 1980-19ab 19b0-19c9 1a00-1a16 1a20-1a54 1aa7 1b05-1b33 "
    "1b45-1b4c 1b83-1ba0 1bae-1baf 1bba-1be5 1c00-1c23 1c4d-1c4f 1c5a-1c7d 1c80-1c8a "
    "1c90-1cba 1cbd-1cbf 1ce9-1cec 1cee-1cf3 1cf5-1cf6 1cfa 1d00-1dbf 1e00-1f15 1f18-1f1d "
    "1f20-1f45 1f48-1f4d 1f50-1f57 1f59 1f5b 1f5d 1f5f-1f7d 1f80-1fb4 1fb6-1fbc 1fbe "
    "1fc2-1fc4 1fc6-1fcc 1fd0-1fd3 1fd6-1fdb 1fe0-1fec 1ff2-1ff4 1ff6-1ffc 2071 207f "
    "2090-209c 2102 2107 210a-2113 2115 2119-211d 2124 2126 2128 212a-212d 212f-2139 "
    "213c-213f 2145-2149 214e 2183-2184 2c00-2ce4 2ceb-2cee 2cf2-2cf3 2d00-2d25 2d27 2d2d "
    "2d30-2d67 2d6f 2d80-2d96 2da0-2da6 2da8-2dae 2db0-2db6 2db8-2dbe 2dc0-2dc6 2dc8-2dce "
    "2dd0-2dd6 2dd8-2dde 2e2f 3005-3006 3031-3035 303b-303c 3041-3096 309d-309f 30a1-30fa "
    "30fc-30ff 3105-312f 3131-318e 31a0-31bf 31f0-31ff 3400-4dbf 4e00-a48c a4d0-a4fd "
    "a500-a60c a610-a61f a62a-a62b a640-a66e a67f-a69d a6a0-a6e5 a717-a71f a722-a788 "
    "a78b-a7cd a7d0-a7d1 a7d3 a7d5-a7dc a7f2-a801 a803-a805 a807-a80a a80c-a822 a840-a873 "
    "a882-a8b3 a8f2-a8f7 a8fb a8fd-a8fe a90a-a925 a930-a946 a960-a97c a984-a9b2 a9cf "
    "a9e0-a9e4 a9e6-a9ef a9fa-a9fe aa00-aa28 aa40-aa42 aa44-aa4b aa60-aa76 aa7a aa7e-aaaf "
    "aab1 aab5-aab6 aab9-aabd aac0 aac2 aadb-aadd aae0-aaea aaf2-aaf4 ab01-ab06 ab09-ab0e "
    "ab11-ab16 ab20-ab26 ab28-ab2e ab30-ab5a ab5c-ab69 ab70-abe2 ac00-d7a3 d7b0-d7c6 "
    "d7cb-d7fb f900-fa6d fa70-fad9 fb00-fb06 fb13-fb17 fb1d fb1f-fb28 fb2a-fb36 fb38-fb3c "
    "fb3e fb40-fb41 fb43-fb44 fb46-fbb1 fbd3-fd3d fd50-fd8f fd92-fdc7 fdf0-fdfb fe70-fe74 "
    "fe76-fefc ff21-ff3a ff41-ff5a ff66-ffbe ffc2-ffc7 ffca-ffcf ffd2-ffd7 ffda-ffdc "
    "10000-1000b 1000d-10026 10028-1003a 1003c-1003d 1003f-1004d 10050-1005d 10080-100fa "
    "10280-1029c 102a0-102d0 10300-1031f 1032d-10340 10342-10349 10350-10375 10380-1039d "
    "103a0-103c3 103c8-103cf 10400-1049d 104b0-104d3 104d8-104fb 10500-10527 10530-10563 "
    "10570-1057a 1057c-1058a 1058c-10592 10594-10595 10597-105a1 105a3-105b1 105b3-105b9 "
    "105bb-105bc 105c0-105f3 10600-10736 10740-10755 10760-10767 10780-10785 10787-107b0 "
    "107b2-107ba 10800-10805 10808 1080a-10835 10837-10838 1083c 1083f-10855 10860-10876 "
    "10880-1089e 108e0-108f2 108f4-108f5 10900-10915 10920-10939 10980-109b7 109be-109bf "
    "10a00 10a10-10a13 10a15-10a17 10a19-10a35 10a60-10a7c 10a80-10a9c 10ac0-10ac7 "
    "10ac9-10ae4 10b00-10b35 10b40-10b55 10b60-10b72 10b80-10b91 10c00-10c48 10c80-10cb2 "
    "10cc0-10cf2 10d00-10d23 10d4a-10d65 10d6f-10d85 10e80-10ea9 10eb0-10eb1 10ec2-10ec4 "
    "10f00-10f1c 10f27 10f30-10f45 10f70-10f81 10fb0-10fc4 10fe0-10ff6 11003-11037 "
    "11071-11072 11075 11083-110af 110d0-110e8 11103-11126 11144 11147 11150-11172 11176 "
    "11183-111b2 111c1-111c4 111da 111dc 11200-11211 11213-1122b 1123f-11240 11280-11286 "
    "11288 1128a-1128d 1128f-1129d 1129f-112a8 112b0-112de 11305-1130c 1130f-11310 "
    "11313-11328 1132a-11330 11332-11333 11335-11339 1133d 11350 1135d-11361 11380-11389 "
    "1138b 1138e 11390-113b5 113b7 113d1 113d3 11400-11434 11447-1144a 1145f-11461 "
    "11480-114af 114c4-114c5 114c7 11580-115ae 115d8-115db 11600-1162f 11644 11680-116aa "
    "116b8 11700-1171a 11740-11746 11800-1182b 118a0-118df 118ff-11906 11909 1190c-11913 "
    "11915-11916 11918-1192f 1193f 11941 119a0-119a7 119aa-119d0 119e1 119e3 11a00 "
    "11a0b-11a32 11a3a 11a50 11a5c-11a89 11a9d 11ab0-11af8 11bc0-11be0 11c00-11c08 "
    "11c0a-11c2e 11c40 11c72-11c8f 11d00-11d06 11d08-11d09 11d0b-11d30 11d46 11d60-11d65 "
    "11d67-11d68 11d6a-11d89 11d98 11ee0-11ef2 11f02 11f04-11f10 11f12-11f33 11fb0 "
    "12000-12399 12480-12543 12f90-12ff0 13000-1342f 13441-13446 13460-143fa 14400-14646 "
    "16100-1611d 16800-16a38 16a40-16a5e 16a70-16abe 16ad0-16aed 16b00-16b2f 16b40-16b43 "
    "16b63-16b77 16b7d-16b8f 16d40-16d6c 16e40-16e7f 16f00-16f4a 16f50 16f93-16f9f "
    "16fe0-16fe1 16fe3 17000-187f7 18800-18cd5 18cff-18d08 1aff0-1aff3 1aff5-1affb "
    "1affd-1affe 1b000-1b122 1b132 1b150-1b152 1b155 1b164-1b167 1b170-1b2fb 1bc00-1bc6a "
    "1bc70-1bc7c 1bc80-1bc88 1bc90-1bc99 1d400-1d454 1d456-1d49c 1d49e-1d49f 1d4a2 "
    "1d4a5-1d4a6 1d4a9-1d4ac 1d4ae-1d4b9 1d4bb 1d4bd-1d4c3 1d4c5-1d505 1d507-1d50a "
    "1d50d-1d514 1d516-1d51c 1d51e-1d539 1d53b-1d53e 1d540-1d544 1d546 1d54a-1d550 "
    "1d552-1d6a5 1d6a8-1d6c0 1d6c2-1d6da 1d6dc-1d6fa 1d6fc-1d714 1d716-1d734 1d736-1d74e "
    "1d750-1d76e 1d770-1d788 1d78a-1d7a8 1d7aa-1d7c2 1d7c4-1d7cb 1df00-1df1e 1df25-1df2a "
    "1e030-1e06d 1e100-1e12c 1e137-1e13d 1e14e 1e290-1e2ad 1e2c0-1e2eb 1e4d0-1e4eb "
    "1e5d0-1e5ed 1e5f0 1e7e0-1e7e6 1e7e8-1e7eb 1e7ed-1e7ee 1e7f0-1e7fe 1e800-1e8c4 "
    "1e900-1e943 1e94b 1ee00-1ee03 1ee05-1ee1f 1ee21-1ee22 1ee24 1ee27 1ee29-1ee32 "
    "1ee34-1ee37 1ee39 1ee3b 1ee42 1ee47 1ee49 1ee4b 1ee4d-1ee4f 1ee51-1ee52 1ee54 1ee57 "
    "1ee59 1ee5b 1ee5d 1ee5f 1ee61-1ee62 1ee64 1ee67-1ee6a 1ee6c-1ee72 1ee74-1ee77 "
    "1ee79-1ee7c 1ee7e 1ee80-1ee89 1ee8b-1ee9b 1eea1-1eea3 1eea5-1eea9 1eeab-1eebb "
    "20000-2a6df 2a700-2b739 2b740-2b81d 2b820-2cea1 2ceb0-2ebe0 2ebf0-2ee5d 2f800-2fa1d "
    "30000-3134a 31350-323af "
)

_NUMERIC_RANGES = (
    "30-39 b2-b3 b9 bc-be 660-669 6f0-6f9 7c0-7c9 966-96f 9e6-9ef 9f4-9f9 a66-a6f ae6-aef "
    "b66-b6f b72-b77 be6-bf2 c66-c6f c78-c7e ce6-cef d58-d5e d66-d78 de6-def e50-e59 ed0-ed9 "
    "f20-f33 1040-1049 1090-1099 1369-137c 16ee-16f0 17e0-17e9 17f0-17f9 1810-1819 1946-194f "
    "19d0-19da 1a80-1a89 1a90-1a99 1b50-1b59 1bb0-1bb9 1c40-1c49 1c50-1c59 2070 2074-2079 "
    "2080-2089 2150-2182 2185-2189 2460-249b 24ea-24ff 2776-2793 2cfd 3007 3021-3029 "
    "3038-303a 3192-3195 3220-3229 3248-324f 3251-325f 3280-3289 32b1-32bf a620-a629 "
    "a6e6-a6ef a830-a835 a8d0-a8d9 a900-a909 a9d0-a9d9 a9f0-a9f9 aa50-aa59 abf0-abf9 "
    "ff10-ff19 10107-10133 10140-10178 1018a-1018b 102e1-102fb 10320-10323 10341 1034a "
    "103d1-103d5 104a0-104a9 10858-1085f 10879-1087f 108a7-108af 108fb-108ff 10916-1091b "
    "109bc-109bd 109c0-109cf 109d2-109ff 10a40-10a48 10a7d-10a7e 10a9d-10a9f 10aeb-10aef "
    "10b58-10b5f 10b78-10b7f 10ba9-10baf 10cfa-10cff 10d30-10d39 10d40-10d49 10e60-10e7e "
    "10f1d-10f26 10f51-10f54 10fc5-10fcb 11052-1106f 110f0-110f9 11136-1113f 111d0-111d9 "
    "111e1-111f4 112f0-112f9 11450-11459 114d0-114d9 11650-11659 116c0-116c9 116d0-116e3 "
    "11730-1173b 118e0-118f2 11950-11959 11bf0-11bf9 11c50-11c6c 11d50-11d59 11da0-11da9 "
    "11de0-11de9 11f50-11f59 11fc0-11fd4 12400-1246e 16130-16139 16a60-16a69 16ac0-16ac9 "
    "16b50-16b59 16b5b-16b61 16d70-16d79 16e80-16e96 16ff4-16ff6 1ccf0-1ccf9 1d2c0-1d2d3 "
    "1d2e0-1d2f3 1d360-1d378 1d7ce-1d7ff 1e140-1e149 1e2f0-1e2f9 1e4f0-1e4f9 1e5f1-1e5fa "
    "1e8c7-1e8cf 1e950-1e959 1ec71-1ecab 1ecad-1ecaf 1ecb1-1ecb4 1ed01-1ed2d 1ed2f-1ed3d "
    "1f100-1f10c 1fbf0-1fbf9 "
)

_SPACE_RANGES = "9-d 20 85 a0 1680 2000-200a 2028-2029 202f 205f 3000"


def _parse_ranges(spec: str) -> list[tuple[int, int]]:
    out = []
    for item in spec.split():
        first, _, last = item.partition("-")
        out.append((int(first, 16), int(last or first, 16)))
    return out


def _class_body(*specs: str) -> str:
    """The inside of a ``re`` character class holding every range of ``specs``."""
    parts = []
    for spec in specs:
        for first, last in _parse_ranges(spec):
            parts.append(f"\\U{first:08x}" if first == last else f"\\U{first:08x}-\\U{last:08x}")
    return "".join(parts)


_PATTERNS: dict[bool, re.Pattern] = {}


def _piece_pattern(split_digits: bool) -> re.Pattern:
    """The GPT-2 pre-tokenizer (plus the digit split) as a Python ``re`` pattern."""
    pattern = _PATTERNS.get(split_digits)
    if pattern is None:
        L = _class_body(_LETTER_RANGES)
        N = _class_body(_NUMERIC_RANGES)
        S = _class_body(_SPACE_RANGES)
        if split_digits:
            # Digits(individual_digits) runs first, so a numeral is a piece on its own and,
            # for the look-ahead of \s+(?!\S), the end of the stretch before it.
            numerals, not_after_space = f"[{N}]", f"[^{S}{N}]"
        else:
            numerals, not_after_space = f" ?[{N}]+", f"[^{S}]"
        pattern = re.compile(
            f"'(?:[stmd]|re|ve|ll)| ?[{L}]+|{numerals}| ?[^{S}{L}{N}]+"
            f"|[{S}]+(?!{not_after_space})|[{S}]+"
        )
        _PATTERNS[split_digits] = pattern
    return pattern


# --------------------------------------------------------------------------- byte-level alphabet


def _byte_alphabet() -> list[str]:
    """GPT-2's printable stand-in for each byte: printable Latin-1 bytes stand for
    themselves, the other 68 bytes take U+0100, U+0101, ... in byte order."""
    alphabet = []
    shifted = 0
    for b in range(256):
        if 0x21 <= b <= 0x7E or 0xA1 <= b <= 0xAC or 0xAE <= b <= 0xFF:
            alphabet.append(chr(b))
        else:
            alphabet.append(chr(0x100 + shifted))
            shifted += 1
    return alphabet


_BYTE_CHARS = _byte_alphabet()
_INF = 1 << 62
_SURROGATE = re.compile("[\ud800-\udfff]")


def _check_surrogates(text: str) -> None:
    if _SURROGATE.search(text):
        text.encode("utf-8")  # raises UnicodeEncodeError at the first one, index in text


_TO_LATIN1 = {ord(c): b for b, c in enumerate(_BYTE_CHARS)}  # str.translate: symbol -> byte
_NOT_BYTE_CHAR = re.compile("[^" + "".join(re.escape(c) for c in _BYTE_CHARS) + "]")


def _token_bytes_like_decoder(token: str) -> bytes:
    """Bytes ByteLevel's decoder gives for one token: mapped back through the byte alphabet
    when every character is in it, else the token's own UTF-8 (so it is for added tokens)."""
    if _NOT_BYTE_CHAR.search(token):
        return token.encode("utf-8")
    return token.translate(_TO_LATIN1).encode("latin-1")


# --------------------------------------------------------------------------- the tokenizer


class Tokenizer:
    """Byte-level BPE tokenizer equivalent to ``tokenizers.Tokenizer`` for one kind of
    ``tokenizer.json`` (see the module docstring). Make one with :meth:`from_file`,
    :meth:`from_json_text` or :meth:`from_dict`."""

    #: how many distinct pieces to remember before the cache starts again
    CACHE_SIZE = 65536

    def __init__(
        self,
        vocab: dict[str, int],
        merges: list[tuple[str, str]] | list[str],
        added_tokens: list[dict] = (),
        *,
        split_digits: bool = True,
        ignore_merges: bool = False,
    ):
        self._vocab = dict(vocab)
        self._ignore_merges = ignore_merges
        self._split_digits = split_digits
        self._pieces = _piece_pattern(split_digits).findall

        # id -> token string: the model's vocabulary, then the added tokens over it
        id_to_token: dict[int, str] = {i: t for t, i in self._vocab.items()}
        self._added: dict[str, int] = {}
        self.special_ids: set[int] = set()
        plain, normalized = [], []
        for tok in added_tokens:
            content, tid = tok["content"], int(tok["id"])
            for flag in ("lstrip", "rstrip", "single_word"):
                if tok.get(flag):
                    raise NotImplementedError(f"added token {content!r}: {flag}=true")
            self._added[content] = tid
            id_to_token[tid] = content
            if tok.get("special"):
                self.special_ids.add(tid)
            (normalized if tok.get("normalized", not tok.get("special")) else plain).append(content)
        self._id_to_token = id_to_token
        # tokenizers matches the non-normalized added tokens first, then (after the
        # normalizer, which is none here) the normalized ones in the stretches left over
        self._added_patterns = [_literal_pattern(p) for p in (plain, normalized) if p]

        model_bytes = {i: _token_bytes_like_decoder(t) for t, i in self._vocab.items()}
        self._token_bytes = dict(model_bytes)
        self._token_bytes.update((i, _token_bytes_like_decoder(t)) for t, i in self._added.items())
        self._vocab_size = len(self._vocab.keys() | self._added.keys())

        # a byte whose symbol the vocabulary lacks is dropped, as tokenizers drops it (no
        # unk token, no byte fallback); SmolLM2 lacks 21, see the module docstring
        self._byte_ids = [self._vocab.get(c) for c in _BYTE_CHARS]
        self._drops_bytes = None in self._byte_ids
        # per model token: the bytes it stands for and the length of its UTF-8 vocabulary
        # string (tokenizers counts offsets in the latter, see _piece_offsets)
        self._byte_len = {i: len(b) for i, b in model_bytes.items()}
        self._norm_len = (
            {i: len(t.encode("utf-8")) for t, i in self._vocab.items()} if self._drops_bytes else {}
        )

        # merges: pair (left id, right id) packed into one int -> rank; rank -> merged id
        self._mul = mul = max(id_to_token) + 1
        ranks: dict[int, int] = {}
        merged: list[int] = []
        if merges and isinstance(merges[0], str):  # the older "a b" form
            merges = [m.split(" ", 1) for m in merges]
        for a, b in merges:
            try:
                ia, ib, new = self._vocab[a], self._vocab[b], self._vocab[a + b]
            except KeyError as e:
                raise ValueError(f"merge {a!r} {b!r}: {e} is not in the vocabulary") from None
            # a repeated merge keeps its last rank, as tokenizers' HashMap does
            ranks[ia * mul + ib] = len(merged)
            merged.append(new)
        self._ranks = ranks
        self._merged = merged
        self._cache: dict[str, tuple[int, ...]] = {}
        self._offset_cache: dict[str, tuple[tuple[int, int, int], ...]] = {}

    # ------------------------------------------------------------------ constructors

    @classmethod
    def from_file(cls, path) -> Tokenizer:
        with open(path, encoding="utf-8") as f:
            return cls.from_json_text(f.read())

    @classmethod
    def from_json_text(cls, text: str) -> Tokenizer:
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_dict(cls, d: dict) -> Tokenizer:
        """From the parsed ``tokenizer.json``; refuses features it does not implement."""
        unsupported = []
        if d.get("normalizer") is not None:
            unsupported.append("a normalizer")
        if d.get("truncation") is not None:
            unsupported.append("truncation")
        split_digits = _read_pre_tokenizer(d.get("pre_tokenizer"), unsupported)
        _read_post_processor(d.get("post_processor"), unsupported)
        dec = d.get("decoder")
        if not (isinstance(dec, dict) and dec.get("type") == "ByteLevel"):
            unsupported.append(f"decoder {dec!r}")
        model = d.get("model") or {}
        if model.get("type", "BPE") != "BPE":
            unsupported.append(f"model type {model.get('type')!r}")
        for key, ok in (
            ("dropout", (None,)),
            ("unk_token", (None,)),
            ("continuing_subword_prefix", (None, "")),
            ("end_of_word_suffix", (None, "")),
            ("byte_fallback", (None, False)),
        ):
            if model.get(key) not in ok:
                unsupported.append(f"model.{key}={model.get(key)!r}")
        if unsupported:
            raise NotImplementedError("this tokenizer.json uses " + ", ".join(unsupported))
        return cls(
            model["vocab"],
            model["merges"],
            d.get("added_tokens") or [],
            split_digits=split_digits,
            ignore_merges=bool(model.get("ignore_merges")),
        )

    # ------------------------------------------------------------------ vocabulary

    @property
    def vocab_size(self) -> int:
        """Number of distinct tokens, added tokens included (``get_vocab_size()``)."""
        return self._vocab_size

    def token_bytes(self, token_id: int) -> bytes:
        """The bytes a token stands for (its UTF-8 bytes; for added tokens, their text).
        ``decode`` joins these and reads them as UTF-8. KeyError for an unknown id."""
        return self._token_bytes[token_id]

    def id_to_token(self, token_id: int) -> str:
        """The vocabulary string of an id (``'Ġhello'``, ``'<|im_start|>'``)."""
        return self._id_to_token[token_id]

    # ------------------------------------------------------------------ encoding

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``, the same as ``tokenizers``' ``encode(text).ids``."""
        out: list[int] = []
        cache = self._cache
        pieces = self._pieces
        try:
            for start, end, special in self._split_added(text):
                if special is not None:
                    out.append(special)
                    continue
                for piece in pieces(text if (start == 0 and end == len(text)) else text[start:end]):
                    ids = cache.get(piece)
                    if ids is None:
                        ids = self._bpe(piece)
                    out += ids
        except UnicodeEncodeError:
            _check_surrogates(text)
            raise
        return out

    def encode_with_offsets(self, text: str) -> list[tuple[int, int, int]]:
        """``(id, start, end)`` for each token; ``text[start:end]`` is the text it came from
        (the whole character, for tokens that hold part of one)."""
        out: list[tuple[int, int, int]] = []
        cache = self._offset_cache
        pieces = self._pieces
        try:
            for start, end, special in self._split_added(text):
                if special is not None:
                    out.append((special, start, end))
                    continue
                pos = start
                for piece in pieces(text if (start == 0 and end == len(text)) else text[start:end]):
                    rel = cache.get(piece)
                    if rel is None:
                        rel = self._piece_offsets(piece)
                    if pos:
                        out += [(i, s + pos, e + pos) for i, s, e in rel]
                    else:
                        out += rel
                    pos += len(piece)
        except UnicodeEncodeError:
            _check_surrogates(text)
            raise
        return out

    def tokens(self, text: str) -> list[str]:
        """The vocabulary strings of the tokens of ``text`` (like ``encode(text).tokens``)."""
        names = self._id_to_token
        return [names[i] for i in self.encode(text)]

    def decode(self, ids) -> str:
        """Text of ``ids``; special tokens are kept, unknown ids skipped, a broken UTF-8
        sequence becomes U+FFFD (``tokenizers``' ``decode(ids, skip_special_tokens=False)``)."""
        tb = self._token_bytes
        return b"".join([tb[i] for i in ids if i in tb]).decode("utf-8", "replace")

    # ------------------------------------------------------------------ internals

    def _split_added(self, text: str):
        """``(start, end, id)`` spans covering ``text``: id is the added token's id, or None
        for ordinary text between added tokens. Empty ordinary spans are left out."""
        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        spans = [(0, len(text), None)] if text else []
        for pattern in self._added_patterns:
            new = []
            for start, end, special in spans:
                if special is not None:
                    new.append((start, end, special))
                    continue
                pos = start
                for m in pattern.finditer(text, start, end):
                    if m.start() > pos:
                        new.append((pos, m.start(), None))
                    new.append((m.start(), m.end(), self._added[m.group()]))
                    pos = m.end()
                if pos < end:
                    new.append((pos, end, None))
            spans = new
        return spans

    def _bpe(self, piece: str) -> tuple[int, ...]:
        """Token ids of one pre-tokenized piece (cached)."""
        byte_ids = self._byte_ids
        ids = [byte_ids[b] for b in piece.encode("utf-8")]
        if self._drops_bytes and None in ids:
            ids = [i for i in ids if i is not None]
        if len(ids) > 1:
            if self._ignore_merges:
                whole = self._vocab.get("".join([_BYTE_CHARS[b] for b in piece.encode("utf-8")]))
                if whole is not None:
                    ids = [whole]
            if len(ids) > 1:
                ids = _merge(ids, self._ranks, self._merged, self._mul)
        ids = tuple(ids)
        cache = self._cache
        if len(cache) >= self.CACHE_SIZE:
            cache.clear()
        cache[piece] = ids
        return ids

    def _piece_offsets(self, piece: str) -> tuple[tuple[int, int, int], ...]:
        """``(id, start, end)`` of the tokens of one piece, offsets within the piece."""
        ids = self._cache.get(piece)
        if ids is None:
            ids = self._bpe(piece)
        blen = self._byte_len
        out = []
        pos = 0
        if self._drops_bytes and sum([blen[i] for i in ids]) != len(piece.encode("utf-8")):
            # Some bytes were dropped. tokenizers counts token offsets within the piece as
            # running sums of the kept tokens' lengths in the byte-level string ('Ġ' is 2
            # bytes of UTF-8, '!' one) and maps them back through that string, so every
            # token after a dropped byte is shifted left ('!\x04?' gives '?' (1, 2)).
            nlen = self._norm_len
            char_at = []  # index of the character each byte of the byte-level string is from
            for ci, ch in enumerate(piece):
                for b in ch.encode("utf-8"):
                    char_at += (ci,) if 0x21 <= b <= 0x7E else (ci, ci)
            for i in ids:
                n = nlen[i]
                out.append((i, char_at[pos], char_at[pos + n - 1] + 1))
                pos += n
        elif piece.isascii():
            for i in ids:
                n = blen[i]
                out.append((i, pos, pos + n))
                pos += n
        else:
            char_at = []  # index of the character each byte belongs to
            for ci, ch in enumerate(piece):
                o = ord(ch)
                char_at += [ci] * (1 if o < 0x80 else 2 if o < 0x800 else 3 if o < 0x10000 else 4)
            for i in ids:
                n = blen[i]
                out.append((i, char_at[pos], char_at[pos + n - 1] + 1))
                pos += n
        out = tuple(out)
        cache = self._offset_cache
        if len(cache) >= self.CACHE_SIZE:
            cache.clear()
        cache[piece] = out
        return out


def _merge(ids: list[int], ranks: dict[int, int], merged: list[int], mul: int) -> list[int]:
    """Apply BPE merges to ``ids`` in place of ``tokenizers``' ``Word::merge_all``: always
    the pair with the lowest rank, the leftmost of equal ones, until no pair has a rank."""
    n = len(ids)
    if n > 256:
        return _merge_long(ids, ranks, merged, mul)
    get = ranks.get
    r = [get(a * mul + b, _INF) for a, b in zip(ids, ids[1:])]
    while r:
        best = min(r)
        if best == _INF:
            break
        i = r.index(best)
        new = merged[best]
        ids[i] = new
        del ids[i + 1]
        del r[i]
        if i:
            r[i - 1] = get(ids[i - 1] * mul + new, _INF)
        if i < len(r):
            r[i] = get(new * mul + ids[i + 1], _INF)
    return ids


def _merge_long(ids: list[int], ranks: dict[int, int], merged: list[int], mul: int) -> list[int]:
    """The same as :func:`_merge` in O(n log n), with a heap and a linked list, for long
    pieces (a run of 100,000 spaces is one piece)."""
    n = len(ids)
    get = ranks.get
    nxt = list(range(1, n + 1))
    prv = list(range(-1, n - 1))
    alive = [True] * n
    heap = [(get(ids[i] * mul + ids[i + 1], _INF), i) for i in range(n - 1)]
    heap = [h for h in heap if h[0] != _INF]
    heapify(heap)
    while heap:
        rank, i = heappop(heap)
        if not alive[i]:
            continue
        j = nxt[i]
        if j >= n or get(ids[i] * mul + ids[j]) != rank:
            continue  # a stale entry: the pair at i has changed since it was pushed
        new = ids[i] = merged[rank]
        alive[j] = False
        k = nxt[i] = nxt[j]
        if k < n:
            prv[k] = i
            r = get(new * mul + ids[k])
            if r is not None:
                heappush(heap, (r, i))
        p = prv[i]
        if p >= 0:
            r = get(ids[p] * mul + new)
            if r is not None:
                heappush(heap, (r, p))
    return [t for t, a in zip(ids, alive) if a]


def _literal_pattern(words: list[str]) -> re.Pattern:
    """Leftmost-longest search for any of ``words`` (longest first in the alternation)."""
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    return re.compile("|".join(re.escape(w) for w in ordered))


def _byte_level_config(p: dict, unsupported: list) -> None:
    if p.get("add_prefix_space"):
        unsupported.append("ByteLevel add_prefix_space=true")
    if p.get("use_regex", True) is not True:
        unsupported.append("ByteLevel use_regex=false")


def _read_pre_tokenizer(p, unsupported: list) -> bool:
    """Whether numerals are split one by one; notes what is not supported."""
    if isinstance(p, dict) and p.get("type") == "ByteLevel":
        _byte_level_config(p, unsupported)
        return False
    if isinstance(p, dict) and p.get("type") == "Sequence":
        seq = p.get("pretokenizers") or []
        if (
            len(seq) == 2
            and seq[0].get("type") == "Digits"
            and seq[0].get("individual_digits") is True
            and seq[1].get("type") == "ByteLevel"
        ):
            _byte_level_config(seq[1], unsupported)
            return True
    unsupported.append(f"pre_tokenizer {p!r}")
    return False


def _read_post_processor(p, unsupported: list) -> None:
    if p is None:
        return
    if p.get("type") == "TemplateProcessing":
        single = p.get("single")
        if single == [{"Sequence": {"id": "A", "type_id": 0}}]:
            return
    if p.get("type") == "ByteLevel" and not p.get("trim_offsets"):
        return
    unsupported.append(f"post_processor {p.get('type')!r} adding tokens or trimming offsets")


# --------------------------------------------------------------------------- the model's


_LOADED: dict[str, Tokenizer] = {}


def load_model_tokenizer() -> Tokenizer:
    """The tokenizer of the cached SmolLM2-135M-Instruct (built on first use, then shared;
    ``llmsite.model.ensure_model`` fetches and converts the model if need be)."""
    from llmsite.model import ensure_model  # not at import time: Pyodide has no model cache

    path = str(ensure_model() / "tokenizer.json")
    tok = _LOADED.get(path)
    if tok is None:
        tok = _LOADED[path] = Tokenizer.from_file(path)
    return tok
