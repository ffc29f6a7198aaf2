"""The toy BPE of chapter 2 on corpora small enough to work out by hand."""

from __future__ import annotations

import pytest
from llmsite.toy_bpe import Merge, ToyBPE, pretokenize, train


def test_pretokenize_keeps_leading_spaces():
    assert pretokenize("Hi, you") == ["Hi", ",", " you"]
    # a run of spaces leaves its last space to the next word
    assert pretokenize("a   b") == ["a", "  ", " b"]
    assert "".join(pretokenize("x\n\n  y, z!?")) == "x\n\n  y, z!?"


def test_first_merges_on_a_hand_counted_corpus():
    # words: "low" x1, " low" x2, " lower" x1, " lowest" x1
    # pairs: (l,o)=5 (o,w)=5 ( ,l)=4 (w,e)=2 (e,r)=1 (e,s)=1 (s,t)=1
    # (l,o) and (o,w) tie at 5: b"l" < b"o", so "lo" comes first; then "low" (5), then " low" (4)
    bpe = train("low low low lower lowest", num_merges=3)
    assert [(m.left, m.right, m.count) for m in bpe.merges] == [
        (b"l", b"o", 5),
        (b"lo", b"w", 5),
        (b" ", b"low", 4),
    ]
    assert bpe.vocab_size == 256 + 3
    assert bpe.encode(" low") == [258]  # ids 256, 257, 258 are the merges in order
    assert bpe.tokens(" lowly") == [" low", "l", "y"]
    assert bpe.tokens("lowest") == ["low", "e", "s", "t"]


def test_ties_go_to_the_pair_that_sorts_first():
    # "ab" x1, " ba" x1: pairs (a,b) ( ,b) (b,a) all occur once; b" " sorts before b"a" and b"b"
    assert train("ab ba", num_merges=1).merges == [Merge(b" ", b"b", 1)]
    # the same corpus in another order learns the same merges
    assert train("ab ba ab ba", 3).merges == train("ab ba ab ba", 3).merges


def test_overlapping_pairs_merge_left_to_right_and_training_stops_when_nothing_is_left():
    # "aaaa": (a,a) counted 3 times; merging left to right gives [aa, aa]; then [aaaa]
    bpe = train("aaaa", num_merges=10)
    assert [(m.text, m.count) for m in bpe.merges] == [("aa", 3), ("aaaa", 1)]
    assert bpe.tokens("aaaaaaa") == ["aaaa", "aa", "a"]


def test_encoding_applies_the_earliest_learned_merge_first_not_left_to_right():
    bpe = ToyBPE([Merge(b"b", b"c", 0), Merge(b"a", b"b", 0)])
    assert bpe.tokens("abc") == ["a", "bc"]  # (b,c) was learned first, so (a,b) never gets a chance
    assert bpe.tokens("abd") == ["ab", "d"]


@pytest.mark.parametrize("text", ["lowest newer", "🍓 straw", "naïve café", "", "  \n\t x"])
def test_any_text_round_trips_through_bytes(text):
    bpe = train("low low low lower lowest", num_merges=3)
    ids = bpe.encode(text)
    assert bpe.decode(ids) == text
    assert all(0 <= i < bpe.vocab_size for i in ids)


def test_unseen_characters_fall_back_to_byte_tokens():
    bpe = train("low low low lower lowest", num_merges=3)
    assert bpe.encode("🍓") == list("🍓".encode("utf-8"))  # four byte tokens, ids 0-255
    assert bpe.tokens("é") == ["\\xc3", "\\xa9"]
