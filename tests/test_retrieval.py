"""Chapter 17: retrieval (llmsite.retrieval) and prompt caching (llmsite.prefix_cache).

Model-free tests use hand-made documents and a tiny random Llama (tests/conftest.py); ``model``
tests use the real SmolLM2-135M-Instruct. Timings are never checked here: they live in
benchmarks/bench_prefix_cache.py.
"""

from __future__ import annotations

import math
import re
import shutil
from types import SimpleNamespace

import pytest
import torch

from llmsite import prefix_cache as pc
from llmsite import published, retrieval
from llmsite import transformer as tf
from llmsite.corpus import CorpusError
from llmsite.figures import REPO
from llmsite.generate import generate
from llmsite.prompting import wilson

torch.set_num_threads(min(2, torch.get_num_threads()))

PAGE = REPO / "docs" / "17-retrieval-and-caching.md"
OUT = REPO / "snippets" / "17-retrieval-and-caching"


# --------------------------------------------------------------------------- the shipped data


def test_cards_and_questions_are_the_pinned_set_and_consistent():
    cards, questions = retrieval.load_cards(), retrieval.load_questions()
    assert len(cards) == 58 and len(questions) == 39
    ids = [c.id for c in cards]
    assert len(set(ids)) == len(ids), "card ids must be unique"
    assert all(q.card in ids for q in questions), "every question names a card that exists"
    for q in questions:
        assert q.answers and all(a == retrieval.normalise(a) for a in q.answers), q
        # the card that answers a question really contains one of its answers (or a number word)
        card = cards[ids.index(q.card)]
        assert retrieval.is_correct(card.text, q.answers), (q.text, card.text)


def test_a_changed_card_file_fails_loudly(tmp_path, monkeypatch):
    bad = tmp_path / "fact-cards.json"
    shutil.copy(retrieval.CARDS, bad)
    bad.write_text(bad.read_text(encoding="utf-8").replace("576", "577"), encoding="utf-8")
    monkeypatch.setattr(retrieval, "CARDS", bad)
    retrieval._data.cache_clear()
    try:
        with pytest.raises(CorpusError, match="not the pinned text"):
            retrieval.load_cards()
    finally:
        retrieval._data.cache_clear()


# --------------------------------------------------------------------------- BM25


def test_words_keep_numbers_whole_and_split_punctuation():
    assert retrieval.words("49,152 key/value Heads, 8,192!") == ["49152", "key", "value", "heads", "8192"]
    assert retrieval.words("") == []


def test_bm25_matches_the_formula_by_hand():
    docs = ["the cat sat", "the dog sat on the mat", "a cat and a cat"]
    bm = retrieval.BM25(docs, k1=1.5, b=0.75)
    avg = (3 + 6 + 5) / 3
    idf = lambda n: math.log(1 + (3 - n + 0.5) / (n + 0.5))  # noqa: E731
    term = lambda tf_, length: tf_ * 2.5 / (tf_ + 1.5 * (0.25 + 0.75 * length / avg))  # noqa: E731
    want = [idf(2) * term(1, 3), 0.0, idf(2) * term(2, 5)]
    assert bm.scores("cat") == pytest.approx(want)
    assert bm.top("cat", k=3) == [2, 0, 1]  # repeated word wins; the document without it comes last
    # a rare word is worth more than a common one
    assert bm.scores("mat")[1] > bm.scores("sat")[1]
    assert bm.scores("nothing shared") == [0.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="at least one document"):
        retrieval.BM25([])


def test_bm25_on_the_cards_finds_what_the_page_says():
    cards, questions = retrieval.load_cards(), retrieval.load_questions()
    bm = retrieval.BM25([c.text for c in cards])
    gold = [[c.id for c in cards].index(q.card) for q in questions]
    ranked = [bm.top(q.text, 3) for q in questions]
    assert retrieval.hits_at(ranked, gold, 1) == 37
    assert "BM25 recall@1: 37/39" in (OUT / "bm25.out").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- scoring answers


@pytest.mark.parametrize("reply, answers, ok", [
    ("It has 30 layers.", ("30",), True),
    ("It has 300 layers.", ("30",), False),
    ("about 0.3 of them", ("3",), False),
    ("3 heads", ("3", "three"), True),
    ("Three heads.", ("3", "three"), True),
    ("The window is 8,192 tokens.", ("8192",), True),
    ("2.5 trillion", ("2 trillion",), False),
    ("The symbol is Au.", ("au",), True),
    ("Australia", ("au",), False),
    ("A marathon is 42.195 km.", ("42.195", "42.2"), True),
    ("", ("30",), False),
])
def test_an_answer_counts_only_as_a_whole_word_or_number(reply, answers, ok):
    assert retrieval.is_correct(reply, answers) is ok


def test_rates_come_with_wilson_intervals():
    lo, hi = wilson(37, 39)
    assert 0.8 < lo < 0.84 and 0.98 < hi < 1.0


# --------------------------------------------------------------------------- vector search


def test_cosine_top_and_hits_at():
    docs = torch.nn.functional.normalize(torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), dim=-1)
    queries = torch.nn.functional.normalize(torch.tensor([[0.9, 0.1], [0.1, 0.9]]), dim=-1)
    ranked = retrieval.cosine_top(queries, docs, k=2)
    assert ranked == [[0, 2], [1, 2]]
    assert retrieval.hits_at(ranked, [2, 1], 1) == 1 and retrieval.hits_at(ranked, [2, 1], 2) == 2


class _Tok:
    """A stand-in tokenizer for the tiny model: one id per character (ids 3 … 96)."""

    def __call__(self, text, add_special_tokens=False):
        return SimpleNamespace(input_ids=[3 + ord(ch) % 94 for ch in text])


def test_embedding_ignores_padding_and_gives_unit_vectors(tiny):
    _model, W = tiny
    texts = ["short", "a much longer text than the first one"]
    together = retrieval.embed_layers(texts, W, _Tok())
    alone = retrieval.embed_layers(texts[:1], W, _Tok())
    assert together.shape == (W.n_layers + 1, 2, W.hidden)
    assert torch.allclose(together[:, 0], alone[:, 0], atol=1e-5), "padding must not change a text's vector"
    assert torch.allclose(together.norm(dim=-1), torch.ones(W.n_layers + 1, 2), atol=1e-5)
    assert torch.equal(retrieval.embed_texts(texts, W, _Tok(), layer=1), together[1])
    with pytest.raises(ValueError, match="layer must be"):
        retrieval.embed_texts(texts, W, _Tok(), layer=W.n_layers + 1)
    with pytest.raises(ValueError, match="empty text"):
        retrieval.embed_layers(["ok", ""], W, _Tok())
    with pytest.raises(ValueError, match="nothing to embed"):
        retrieval.embed_layers([], W, _Tok())


# --------------------------------------------------------------------------- prefix caching, tiny model

PREFIX = [5, 17, 42, 8, 63, 12, 9, 77, 31, 4]
REST = [22, 61, 3]


def test_a_forked_cache_gives_the_full_recompute_logits(tiny):
    _model, W = tiny
    shared = pc.prefill(PREFIX, W)
    cached = pc.first_token_logits(REST, W, shared)
    full = pc.first_token_logits(REST, W, prefix_ids=PREFIX)
    assert torch.allclose(cached, full, atol=1e-5)
    assert torch.allclose(full, tf.forward(torch.tensor(PREFIX + REST), W)[-1], atol=1e-5)


def test_fork_leaves_the_shared_cache_as_it_was(tiny):
    _model, W = tiny
    shared = pc.prefill(PREFIX, W)
    keys = list(shared.keys)
    a = pc.fork(shared)
    tf.forward(torch.tensor(REST), W, cache=a)
    assert a.length == len(PREFIX) + len(REST)
    assert shared.length == len(PREFIX) and all(k is k0 for k, k0 in zip(shared.keys, keys))
    # two requests on one shared cache do not see each other
    b = pc.fork(shared)
    assert b.length == len(PREFIX)


def test_greedy_reply_on_a_fork_equals_the_plain_loop(tiny):
    _model, W = tiny
    shared = pc.prefill(PREFIX, W)
    reply = pc.greedy_reply(REST, W, shared, max_new_tokens=8, stop_id=-1)
    assert reply == generate(PREFIX + REST, W, 8, stop_ids=()).tokens
    assert shared.length == len(PREFIX)


def test_prefix_cache_refuses_what_it_cannot_do(tiny):
    _model, W = tiny
    with pytest.raises(ValueError, match="prefix is empty"):
        pc.prefill([], W)
    with pytest.raises(ValueError, match="fork a filled cache"):
        pc.fork(tf.KVCache.for_weights(W))
    shared = pc.prefill(PREFIX, W)
    with pytest.raises(ValueError, match="at least one token"):
        pc.first_token_logits([], W, shared)
    with pytest.raises(ValueError, match="pass prefix_ids"):
        pc.first_token_logits(REST, W)


# --------------------------------------------------------------------------- prices


def test_cache_prices_are_sourced_and_discount_reads():
    assert published.CACHE_PRICES
    for p in published.CACHE_PRICES:
        assert p.source.url.startswith("https://") and re.match(r"^20\d\d-\d\d-\d\d$", p.source.date), p
        assert 0 < p.cache_read < p.input <= p.cache_write and p.output > p.input, p


def test_request_cost_is_tokens_times_price():
    price = published.CachePrice("X", "m", input=2.0, cache_write=2.5, cache_read=0.2, output=10.0,
                                 source=published.Source("t", "https://x", "2024-01-01"))
    assert pc.request_cost(1_000_000, 0, 0, price, cached=False) == pytest.approx(2.0)
    assert pc.request_cost(1_000_000, 0, 0, price, cached=True) == pytest.approx(0.2)
    assert pc.request_cost(0, 500_000, 100_000, price, cached=True) == pytest.approx(1.0 + 1.0)
    with pytest.raises(ValueError, match="negative"):
        pc.request_cost(-1, 0, 0, price, cached=True)


def test_the_page_quotes_the_sources_of_the_prices():
    text = PAGE.read_text(encoding="utf-8")
    for p in published.CACHE_PRICES:
        assert p.source.url in text and p.source.date in text, p.source


# --------------------------------------------------------------------------- the page agrees with its outputs


RATE = re.compile(r"^(?P<name>[^\n:]+): (?P<k>\d+)/(?P<n>\d+) = ", re.M)


def _rate(out: str, name: str) -> int:
    return next(int(m["k"]) for m in RATE.finditer((OUT / out).read_text(encoding="utf-8")) if m["name"].strip() == name)


def test_the_page_prose_matches_the_recorded_rates():
    text = " ".join(PAGE.read_text(encoding="utf-8").split())
    closed, passage = _rate("closed_book.out", "closed book"), _rate("with_passage.out", "with the BM25 passage")
    assert f"answered {closed} right on its own and {passage} with the passage" in text
    assert f"from {closed} to {passage} right" in text
    assert f"answered {passage} of 39 questions right; without it, {closed}." in text


# --------------------------------------------------------------------------- the real model


@pytest.fixture(scope="module")
def real():
    from llmsite.model import load

    model, tok = load(device="cpu", dtype="float32")
    return tf.from_hf(model), tok


@pytest.mark.model
def test_prompt_cache_on_the_real_model_matches_a_full_recompute(real):
    W, tok = real
    prefix = ("<|im_start|>system\nAnswer from this handbook.\n\n"
              + "\n".join(c.text for c in retrieval.load_cards()[:4]) + "<|im_end|>\n")
    turn = "<|im_start|>user\nHow many layers does SmolLM2-135M have?<|im_end|>\n<|im_start|>assistant\n"
    assert pc.splits_cleanly(tok, prefix, turn)
    assert not pc.splits_cleanly(tok, "The capital of Fra", "nce is")  # a cut word: the ids differ
    ids = lambda s: tok(s, add_special_tokens=False).input_ids  # noqa: E731
    shared = pc.prefill(ids(prefix), W)
    cached = pc.first_token_logits(ids(turn), W, shared)
    full = pc.first_token_logits(ids(turn), W, prefix_ids=ids(prefix))
    assert (cached - full).abs().max() < 1e-3
    assert cached.topk(5).indices.tolist() == full.topk(5).indices.tolist()
    assert pc.greedy_reply(ids(turn), W, shared, max_new_tokens=6) == generate(ids(prefix) + ids(turn), W, 6).tokens
