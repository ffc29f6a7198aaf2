"""The tiny GRU of "Why transformers won": shapes, a real chain of steps, deterministic, it learns,
it is trained by chapter 10's very loop, and the chapter's figures show the recorded numbers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

from llmsite.recurrent import (
    RecurrentConfig,
    TinyGRU,
    generate_counting,
    kv_cache_bytes,
    sequential_steps,
    state_bytes,
    train_model,
)
from llmsite.train import TinyConfig, TinyGPT, deterministic, load_corpus, sample, train

REPO = Path(__file__).resolve().parent.parent
SMALL_GPT = dict(n_layers=1, hidden=32, n_heads=2, n_kv_heads=1, intermediate=64, context=32)


@pytest.fixture(scope="module")
def data():
    return load_corpus()


def test_shapes_and_state(data):
    V = data.tok.vocab_size
    model = TinyGRU(RecurrentConfig(V, hidden=40, n_layers=2), seed=0)
    ids = torch.randint(0, V, (3, 11), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        logits, state = model(ids, return_state=True)
        assert logits.shape == (3, 11, V) and model(ids).shape == (3, 11, V)
        assert state.shape == (2, 3, 40)
        # Carrying the state over is the same as reading the whole text at once: it is a chain.
        first, s = model(ids[:, :5], return_state=True)
        rest = model(ids[:, 5:], s)
        torch.testing.assert_close(torch.cat([first, rest], 1), logits)
        torch.testing.assert_close(model.forward_stepwise(ids), logits)
        # ...and position 7's scores depend on what came before it (a fresh state gives others).
        assert not torch.allclose(model(ids[:, 7:8])[:, 0], logits[:, 7])


def test_same_size_as_the_chapter_10_gpt(data):
    V = data.tok.vocab_size
    gru, gpt = TinyGRU(RecurrentConfig(V)), TinyGPT(TinyConfig(V))
    assert abs(gru.n_params() - gpt.n_params()) / gpt.n_params() < 0.01
    assert gru.n_params() == 383_496  # the number the page explains in its "Under the hood" box
    assert sequential_steps(gru, 1024) == 1025 and sequential_steps(gpt, 1024) == 2  # n + L - 1: layers overlap


def test_the_longest_chain_is_length_plus_layers_minus_one():
    # Step (layer l, position t) needs (l, t - 1) and (l - 1, t): count the longest chain directly.
    for layers, length in ((1, 5), (2, 64), (2, 1024), (3, 10)):
        depth = [[0] * (length + 1) for _ in range(layers + 1)]
        for l in range(1, layers + 1):
            for t in range(1, length + 1):
                depth[l][t] = 1 + max(depth[l][t - 1], depth[l - 1][t])
        gru = TinyGRU(RecurrentConfig(vocab_size=10, n_layers=layers, hidden=4))
        assert sequential_steps(gru, length) == depth[layers][length]


def test_untrained_loss_is_about_ln_vocab_and_seeds_fix_the_weights(data):
    import math

    V = data.tok.vocab_size
    a, b, c = (TinyGRU(RecurrentConfig(V), seed=s) for s in (0, 0, 1))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a.gru.weight_hh_l0, c.gru.weight_hh_l0)
    from llmsite.train import get_batch, lm_loss

    x, y = get_batch(data.train, 8, 64, torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert abs(lm_loss(a(x), y).item() - math.log(V)) < 0.2


def test_training_lowers_the_loss_and_is_deterministic(data):
    def run(seed):
        r = train_model(TinyGRU(RecurrentConfig(data.tok.vocab_size, hidden=48, context=32), seed=seed), data,
                        steps=60, batch_size=8, eval_every=30, seed=seed)
        return r, [(c.train_loss, c.val_loss) for c in r.history]

    r, a = run(0)
    _, b = run(0)
    _, c = run(1)
    assert [cp.step for cp in r.history] == [0, 30, 60]
    assert r.history[-1].val_loss < r.history[0].val_loss - 1.0
    assert a == b  # exactly
    assert a != c
    assert sample(r.model, data.tok, "The ", 20, seed=3) == sample(r.model, data.tok, "The ", 20, seed=3)


def test_train_model_is_chapter_10s_loop(data):
    """Trained through train_model, a TinyGPT gives exactly train.train's losses: the race is fair."""
    cfg = TinyConfig(vocab_size=data.tok.vocab_size, **SMALL_GPT)
    ours = train_model(TinyGPT(cfg, seed=0), data, steps=20, batch_size=8, eval_every=10)
    theirs = train(cfg, data, steps=20, batch_size=8, eval_every=10, device="cpu")
    assert ours.history == theirs.history
    assert ours.tokens_seen == theirs.tokens_seen


def test_generation_is_one_pass_per_token_state_fixed_cache_growing(data):
    V = data.tok.vocab_size
    gcfg, tcfg = RecurrentConfig(V), TinyConfig(V)
    prompt = data.tok.encode("The ")
    with deterministic("cpu"):
        g = generate_counting(TinyGRU(gcfg), prompt, 12)
        t = generate_counting(TinyGPT(tcfg), prompt, 12)
    assert g.passes == t.passes == 12 and len(g.ids) == len(t.ids) == 12
    assert set(g.memory) == {state_bytes(gcfg)}
    assert t.memory == [kv_cache_bytes(tcfg, len(prompt) + i) for i in range(12)]
    # the cached loop writes what re-reading the whole text would (greedy, so comparable)
    from llmsite.train import greedy

    with deterministic("cpu"):
        assert data.tok.decode(t.ids) == greedy(TinyGPT(tcfg), data.tok, "The ", 12)
        assert data.tok.decode(g.ids) == greedy(TinyGRU(gcfg), data.tok, "The ", 12)


def _rows(fig: str, cols: int) -> list[list[str]]:
    text = (REPO / "docs" / "figures" / fig).read_text(encoding="utf-8")
    table = text.split('??? info "The numbers behind this figure"', 1)[1]
    return [[c.strip() for c in line.strip().strip("|").split("|")] for line in table.splitlines()
            if line.strip().startswith("|") and "---" not in line][1:]


def test_race_figure_shows_the_recorded_losses():
    out = (REPO / "snippets/03b-why-transformers-won/race.out").read_text(encoding="utf-8")
    printed = re.findall(r"^ *(\d+) +(\d+\.\d+) +(\d+\.\d+)$", out, re.M)
    assert len(printed) == 4 and printed == [tuple(r) for r in _rows("03b-loss-race.md", 3)]


def test_step_time_figure_shows_the_benchmarks_numbers():
    from llmsite.figures.measured import measurement

    m = measurement("rnn-vs-attention")
    assert [[r[0], r[1], r[2]] for r in m["rows"]] == [r[:3] for r in _rows("03b-step-time.md", 4)]
    assert [r[0] for r in m["rows"]] == ["32", "64", "128", "256", "512", "1,024"]


def test_memory_figure_shows_the_recorded_bytes():
    out = (REPO / "snippets/03b-why-transformers-won/generation.out").read_text(encoding="utf-8")
    printed = re.findall(r"^ +([\d,]+) +([\d,]+) B +([\d,]+) B$", out, re.M)
    assert len(printed) == 4 and printed == [tuple(r) for r in _rows("03b-memory.md", 3)]


def test_benchmark_times_a_real_training_step(data):
    """The benchmark's timer runs a full step of both models (no timing is checked: only that it ran
    and the weights moved)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_rnn", REPO / "benchmarks" / "bench_rnn_vs_attention.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    for model in (TinyGRU(RecurrentConfig(bench.VOCAB, hidden=24, context=16)),
                  TinyGPT(TinyConfig(bench.VOCAB, **{**SMALL_GPT, "context": 16}))):
        before = [p.detach().clone() for p in model.parameters()]
        seconds = bench.step_time(model, batch=2, length=16, device="cpu", repeat=1)
        assert 0 < seconds < float("inf")
        assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))
