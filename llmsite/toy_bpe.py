"""A toy byte-pair-encoding (BPE) trainer and encoder, small enough to read in one sitting.

It works the way the real tokenizer was made, minus the engineering:

1. **Split the text into words.** A word keeps its leading space (``" cat"``), as in the
   real tokenizer, so a token can never straddle two words. (The real rule is longer; see
   ``llmsite.tokenizer``.)
2. **Start from bytes.** Each word becomes its UTF-8 bytes. The 256 possible bytes are the
   first 256 tokens, so *any* text can be encoded: there is no "unknown word".
3. **Count neighbouring pairs** over all words (a word seen 10 times counts 10 times), and
   **merge the most frequent pair** into one new token, everywhere. Ties go to the pair that
   sorts first (comparing the bytes of the left token, then of the right one), so training
   is deterministic.
4. **Record the merge** and repeat until we have as many merges as asked for.

Encoding new text replays the merges: within each word, merge the pair that was learned
*earliest* (lowest rank), again and again, until no learned pair is left. Token ids are
0-255 for the bytes, then 256, 257, ... for the merges in the order they were learned.

    >>> bpe = train("low low low lower lowest", num_merges=3)
    >>> [m.text for m in bpe.merges]
    ['lo', 'low', ' low']
    >>> bpe.tokens(" lowly")
    [' low', 'l', 'y']
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

__all__ = ["Merge", "ToyBPE", "pretokenize", "train"]

# A word with its leading space, a run of punctuation with its leading space, or white space
# (a run of spaces before a word leaves its last space to the word, as in the real tokenizer).
_WORD = re.compile(r" ?\w+| ?[^\w\s]+|\s+(?!\S)|\s+")


def pretokenize(text: str) -> list[str]:
    """Split text into the pieces BPE works inside: ``"Hi,  you"`` -> ``["Hi", ",", " ", " you"]``."""
    return _WORD.findall(text)


@dataclass(frozen=True)
class Merge:
    left: bytes
    right: bytes
    count: int  # how often the pair occurred when it was merged

    @property
    def text(self) -> str:
        """The new token, as text (bytes that are not valid UTF-8 on their own are escaped)."""
        return (self.left + self.right).decode("utf-8", "backslashreplace")


def _merge_pair(symbols: list[bytes], left: bytes, right: bytes) -> list[bytes]:
    """Replace every (left, right) neighbour pair by one symbol, scanning left to right."""
    out, i = [], 0
    while i < len(symbols):
        if i + 1 < len(symbols) and symbols[i] == left and symbols[i + 1] == right:
            out.append(left + right)
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return out


def _pair_counts(words: dict[str, int], splits: dict[str, list[bytes]]) -> Counter:
    pairs: Counter = Counter()
    for word, n in words.items():
        symbols = splits[word]
        for pair in zip(symbols, symbols[1:]):
            pairs[pair] += n
    return pairs


def train(text: str, num_merges: int) -> ToyBPE:
    """Learn up to ``num_merges`` merges from ``text`` (fewer if no pair is left to merge)."""
    words = Counter(pretokenize(text))
    splits = {w: [bytes([b]) for b in w.encode("utf-8")] for w in words}
    merges: list[Merge] = []
    for _ in range(num_merges):
        pairs = _pair_counts(words, splits)
        if not pairs:
            break  # every word is a single token already
        # Most frequent first; on a tie, the pair that sorts first. Deterministic.
        (left, right), count = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
        merges.append(Merge(left, right, count))
        for w in splits:
            splits[w] = _merge_pair(splits[w], left, right)
    return ToyBPE(merges)


class ToyBPE:
    """A trained toy tokenizer: the merges, in the order they were learned."""

    def __init__(self, merges: list[Merge]):
        self.merges = list(merges)
        self._rank = {(m.left, m.right): i for i, m in enumerate(self.merges)}
        self.vocab: list[bytes] = [bytes([b]) for b in range(256)] + [m.left + m.right for m in self.merges]
        self._id = {tok: i for i, tok in enumerate(self.vocab)}

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def encode_word(self, word: str) -> list[bytes]:
        """The tokens of one pre-tokenized word: replay the merges, earliest learned first."""
        symbols = [bytes([b]) for b in word.encode("utf-8")]
        while len(symbols) > 1:
            ranked = [(self._rank[p], p) for p in zip(symbols, symbols[1:]) if p in self._rank]
            if not ranked:
                break
            _, (left, right) = min(ranked)
            symbols = _merge_pair(symbols, left, right)
        return symbols

    def encode(self, text: str) -> list[int]:
        return [self._id[t] for word in pretokenize(text) for t in self.encode_word(word)]

    def tokens(self, text: str) -> list[str]:
        """The tokens of ``text`` as strings (a byte that is only part of a character is escaped)."""
        return [t.decode("utf-8", "backslashreplace") for w in pretokenize(text) for t in self.encode_word(w)]

    def decode(self, ids: list[int]) -> str:
        return b"".join(self.vocab[i] for i in ids).decode("utf-8", "replace")
