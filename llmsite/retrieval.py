"""Retrieval, from scratch: find the passage that answers a question, then paste it into the prompt.

Chapter 17 builds the smallest honest version of what search-backed assistants do
("retrieval-augmented generation"): a fixed set of short fact cards, a question, a search that
ranks the cards, and a prompt that carries the best card to the model. Two searches compete:

* ``BM25``: lexical search, the classic of search engines. A card scores for every word it
  shares with the question, more for rare words, less for words it repeats or long cards.
* ``embed_texts`` + ``cosine_top``: vector search with *our next-token model's* hidden states,
  averaged over the tokens of a text. Real search systems use an embedding model trained for
  the job (a contrastive objective on pairs of matching texts); we have only a next-token
  model, and the chapter measures what that gives.

Everything the chapter scores ships with the package: ``data/fact-cards.json`` (58 cards and
39 questions with their accepted answers, written by this project), pinned by sha256.

Quick start::

    from llmsite.retrieval import load_cards, load_questions, BM25

    cards, questions = load_cards(), load_questions()
    bm25 = BM25([c.text for c in cards])
    best = bm25.top(questions[0].text, k=3)          # indices into cards
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch

from llmsite.corpus import _read_pinned

__all__ = ["CARDS", "CARDS_SHA256", "Card", "Question", "load_cards", "load_questions", "words", "BM25",
           "embed_layers", "embed_texts", "cosine_top", "hits_at", "answer_prompt", "normalise", "is_correct"]

CARDS = Path(__file__).resolve().parent / "data" / "fact-cards.json"
CARDS_SHA256 = "c1169c24b10d8fbbd427e4f44423c036d0360463e55f767b9d2123304aec161e"


@dataclass(frozen=True)
class Card:
    id: str
    text: str


@dataclass(frozen=True)
class Question:
    text: str
    answers: tuple[str, ...]  # accepted short answers: lower case, numbers without separators
    card: str  # the id of the card that answers it


@lru_cache(maxsize=None)
def _data() -> dict:
    return json.loads(_read_pinned(CARDS, CARDS_SHA256))


def load_cards() -> list[Card]:
    """The 58 fact cards, in file order (the index of a card is its position here)."""
    return [Card(c["id"], c["text"]) for c in _data()["cards"]]


def load_questions() -> list[Question]:
    """The 39 questions, each with its accepted answers and the id of the card that answers it."""
    return [Question(q["question"], tuple(q["answers"]), q["card"]) for q in _data()["questions"]]


# --------------------------------------------------------------------------- lexical search

_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    """Lower-case words and numbers; "49,152" stays one number, "key/value" is two words."""
    return _WORD.findall(re.sub(r"(?<=\d),(?=\d{3})", "", text.lower()))


class BM25:
    """Okapi BM25 over a fixed list of documents (Robertson and Zaragoza, 2009).

    score(q, d) = sum over the question's words w that d contains of
                  idf(w) · tf·(k1 + 1) / (tf + k1·(1 − b + b·|d| / avg|d|))
    with tf the count of w in d and idf(w) = ln(1 + (N − n_w + 0.5) / (n_w + 0.5)), where n_w of
    the N documents contain w. ``k1`` caps what repeating a word can earn; ``b`` discounts long
    documents.
    """

    def __init__(self, docs: list[str], k1: float = 1.5, b: float = 0.75):
        if not docs:
            raise ValueError("BM25 needs at least one document")
        self.k1, self.b = k1, b
        self.docs = [Counter(words(d)) for d in docs]
        self.lengths = [sum(c.values()) for c in self.docs]
        self.avg_len = sum(self.lengths) / len(self.docs)
        n_with = Counter(w for c in self.docs for w in c)
        n = len(self.docs)
        self.idf = {w: math.log(1 + (n - k + 0.5) / (k + 0.5)) for w, k in n_with.items()}

    def scores(self, query: str) -> list[float]:
        """One score per document, in document order (0 for a document sharing no word)."""
        out = []
        for counts, length in zip(self.docs, self.lengths):
            s = 0.0
            for w in words(query):
                tf = counts.get(w, 0)
                if tf:
                    s += self.idf[w] * tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * length / self.avg_len))
            out.append(s)
        return out

    def top(self, query: str, k: int = 3) -> list[int]:
        """The indices of the k best documents, best first (ties: the earlier document first)."""
        s = self.scores(query)
        return sorted(range(len(s)), key=lambda i: (-s[i], i))[:k]


# --------------------------------------------------------------------------- vector search


def embed_layers(texts: list[str], W, tok, batch_size: int = 16) -> torch.Tensor:
    """One vector per text and per layer: the residual stream averaged over the text's tokens,
    scaled to length 1. [n_layers + 1, N, hidden]; entry 0 is the token embeddings (chapter 3),
    entry i the stream after block i. One forward pass per batch gives every layer at once.

    Uses our forward pass (``llmsite.transformer``). Texts of a batch are padded on the right;
    a causal model never looks right, so padding changes nothing at the real tokens, and the
    average leaves the padding out. The vectors come back on the CPU, whatever the model's device.
    """
    from llmsite.transformer import forward

    if not texts:
        raise ValueError("nothing to embed")
    ids = [tok(t, add_special_tokens=False).input_ids for t in texts]
    if any(not i for i in ids):
        raise ValueError("cannot embed an empty text")
    out = []
    with torch.inference_mode():
        for start in range(0, len(ids), batch_size):
            chunk = ids[start:start + batch_size]
            width = max(len(i) for i in chunk)
            batch = torch.tensor([i + [0] * (width - len(i)) for i in chunk])
            mask = torch.tensor([[1.0] * len(i) + [0.0] * (width - len(i)) for i in chunk])
            hidden = forward(batch, W, return_hidden=True).hidden.float()  # [L+1, B, T, hidden]
            mask = mask.to(hidden.device)
            mean = (hidden * mask[None, :, :, None]).sum(2) / mask.sum(1)[None, :, None]
            out.append(torch.nn.functional.normalize(mean, dim=-1).cpu())
    return torch.cat(out, dim=1)


def embed_texts(texts: list[str], W, tok, layer: int, batch_size: int = 16) -> torch.Tensor:
    """``embed_layers`` at one layer (0 … n_layers): [N, hidden], each row of length 1."""
    if not 0 <= layer <= W.n_layers:
        raise ValueError(f"layer must be 0..{W.n_layers}, got {layer}")
    return embed_layers(texts, W, tok, batch_size)[layer]


def cosine_top(queries: torch.Tensor, docs: torch.Tensor, k: int = 3, center: bool = False) -> list[list[int]]:
    """For each query vector, the indices of the k documents with the highest cosine similarity.

    ``center`` first subtracts the documents' mean vector from every vector (and scales to length
    1 again). A next-token model's hidden states all point roughly the same way, so raw cosines
    are all high and differ little; centring removes that shared direction.
    """
    if center:
        mean = docs.mean(0, keepdim=True)
        queries = torch.nn.functional.normalize(queries - mean, dim=-1)
        docs = torch.nn.functional.normalize(docs - mean, dim=-1)
    sims = queries @ docs.T
    return sims.topk(k, dim=-1).indices.tolist()


def hits_at(ranked: list[list[int]], gold: list[int], k: int) -> int:
    """How many questions have their card among the first k results (recall@k, as a count)."""
    return sum(g in r[:k] for r, g in zip(ranked, gold))


# --------------------------------------------------------------------------- answering


def answer_prompt(tok, question: str, passage: str | None = None) -> str:
    """The chat prompt for a short answer, with the retrieved passage pasted in (or none)."""
    ask = f"Question: {question}\nAnswer in a few words."
    user = ask if passage is None else f"Use this note to answer.\nNote: {passage}\n\n{ask}"
    from llmsite.generate import chat_prompt

    return chat_prompt(tok, user)


def normalise(text: str) -> str:
    """Lower case, thousands separators dropped ("49,152" → "49152"), spaces squeezed."""
    text = re.sub(r"(?<=\d)[,\u202f](?=\d{3})", "", text.lower())
    return " ".join(text.split())


def is_correct(reply: str, answers) -> bool:
    """Does the reply contain one of the accepted answers as a whole word or number?
    ("3" counts in "3 heads" but not in "30" or "0.3".)"""
    reply = normalise(reply)
    return any(re.search(rf"(?<![\w.]){re.escape(a)}(?![\w]|\.\d)", reply) for a in answers)
