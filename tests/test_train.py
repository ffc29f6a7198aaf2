"""The tiny GPT of the training chapters: it is SmolLM2's own forward pass, it learns, and it is
deterministic. Everything here runs on the CPU in seconds, without the real model."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import torch

from llmsite.figures import svg
from llmsite import transformer
from llmsite.train import (
    CharTokenizer,
    TinyConfig,
    TinyGPT,
    deterministic,
    get_batch,
    greedy,
    lm_loss,
    load_corpus,
    lr_at,
    sample,
    train,
    with_repeats,
)

REPO = Path(__file__).resolve().parent.parent
TINY = dict(n_layers=1, hidden=32, n_heads=2, n_kv_heads=1, intermediate=64, context=32)


@pytest.fixture(scope="module")
def data():
    return load_corpus()


def tiny_cfg(data, **kw) -> TinyConfig:
    return TinyConfig(vocab_size=data.tok.vocab_size, **{**TINY, **kw})


def test_tokenizer_round_trips_and_corpus_splits_everything(data):
    tok = CharTokenizer("hello, world")
    assert tok.vocab_size == len(set("hello, world"))
    assert tok.decode(tok.encode("low, hello")) == "low, hello"
    text = data.tok.decode(torch.cat([data.train[:50]]))
    assert text.startswith(data.tok.decode(data.tok.encode(text)))
    from llmsite.train import python_docs_text

    assert data.n_train + data.val.numel() == len(python_docs_text())
    assert 0.08 < data.val.numel() / (data.n_train + data.val.numel()) < 0.12


def test_batches_are_windows_and_targets_are_shifted_by_one(data):
    x, y = get_batch(data.train, batch_size=4, context=16, gen=torch.Generator().manual_seed(0))
    assert x.shape == y.shape == (4, 16)
    assert torch.equal(x[:, 1:], y[:, :-1])


def test_forward_is_the_shared_transformer_code(data):
    """A manual pass through llmsite.transformer's blocks, on the same tensors, gives the logits."""
    cfg = tiny_cfg(data, n_layers=2)
    model = TinyGPT(cfg, seed=3)
    W = model.weights()
    assert W.embedding is model.embedding and W.unembedding is model.embedding and W.tied
    assert W.layers[1].q is model.layers[1].q
    assert W.n_params() == model.n_params()

    ids = torch.randint(0, cfg.vocab_size, (2, 10), generator=torch.Generator().manual_seed(0))
    pos = torch.arange(10)
    x = transformer.embed(ids, W)
    for i, lw in enumerate(W.layers):
        x = x + transformer.attention(transformer.rms_norm(x, lw.attn_norm, W.eps), i, W, pos)
        x = x + transformer.swiglu_ffn(transformer.rms_norm(x, lw.ffn_norm, W.eps), i, W)
    manual = transformer.rms_norm(x, W.final_norm, W.eps) @ W.embedding.T
    logits = model(ids)
    assert logits.shape == (2, 10, cfg.vocab_size)
    torch.testing.assert_close(logits, manual)


def test_gradients_reach_every_parameter(data):
    model = TinyGPT(tiny_cfg(data), seed=0)
    x, y = get_batch(data.train, 2, 32, torch.Generator().manual_seed(0))
    with torch.enable_grad():  # another test may have loaded the real model, which turns it off
        lm_loss(model(x), y).backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not missing


def test_untrained_loss_is_about_ln_vocab(data):
    model = TinyGPT(TinyConfig(vocab_size=data.tok.vocab_size), seed=0)
    x, y = get_batch(data.train, 16, 64, torch.Generator().manual_seed(0))
    with torch.no_grad():
        loss = lm_loss(model(x), y).item()
    assert abs(loss - math.log(data.tok.vocab_size)) < 0.15


def test_lr_schedule_warms_up_then_decays_to_a_tenth():
    assert lr_at(0, 100, 1.0, 10) == pytest.approx(0.1)
    assert lr_at(9, 100, 1.0, 10) == pytest.approx(1.0)
    assert lr_at(10, 100, 1.0, 10) == pytest.approx(1.0)
    assert lr_at(100, 100, 1.0, 10) == pytest.approx(0.1)
    assert lr_at(50, 100, 1.0, 10) < lr_at(20, 100, 1.0, 10)


def test_training_lowers_the_loss(data):
    run = train(tiny_cfg(data), data, steps=80, batch_size=16, eval_every=40, device="cpu")
    first, last = run.history[0], run.history[-1]
    assert [c.step for c in run.history] == [0, 40, 80]
    assert last.train_loss < first.train_loss - 1.0
    assert last.val_loss < first.val_loss - 1.0
    assert run.tokens_seen == 80 * 16 * 32


def test_same_seed_same_losses_other_seed_other_losses(data):
    def losses(seed):
        run = train(tiny_cfg(data), data, steps=20, batch_size=8, eval_every=10, seed=seed, device="cpu")
        return [(c.train_loss, c.val_loss) for c in run.history], run.model

    a, model_a = losses(0)
    b, _ = losses(0)
    c, _ = losses(1)
    assert a == b  # exactly, not approximately
    assert a != c
    assert sample(model_a, data.tok, "The ", 30, seed=5) == sample(model_a, data.tok, "The ", 30, seed=5)
    assert len(greedy(model_a, data.tok, "The ", 12)) == 12


def test_deterministic_restores_torch_settings():
    before = (torch.are_deterministic_algorithms_enabled(), torch.get_num_threads())
    with deterministic("cpu"):
        assert torch.get_num_threads() == 1 and torch.are_deterministic_algorithms_enabled()
    assert (torch.are_deterministic_algorithms_enabled(), torch.get_num_threads()) == before


def test_with_repeats_pastes_into_training_text_only(data):
    line = "zebra-zebra-zebra"
    dup = with_repeats(data, line, copies=7)
    assert data.tok.decode(dup.train).count(line) == 7
    assert data.tok.decode(dup.val).count(line) == 0
    assert dup.n_train == data.n_train + 7 * (len(line) + 1)


def test_series_chart_is_deterministic_log_scaled_and_escaped():
    def draw():
        return svg.series_chart([("a<b", [(1e3, 2.5), (1e4, 2.0), (1e5, 1.6)]), ("c", [(1e3, 3.0), (1e5, 2.0)])],
                                title="T", description="D", fig_id="f", x_label="x", y_label="y",
                                log_x=True, log_y=True, markers=True)

    a = draw()
    assert a == draw()
    assert "a&lt;b" in a and "a<b" not in a
    assert a.count("<polyline") == 2 and a.count("<circle") == 5
    assert 'role="img"' in a and "(log scale)" in a
    # On a log axis, equal ratios are equal distances: 1K→10K spans as much as 10K→100K.
    xs = [float(v) for v in re.findall(r'<circle cx="([\d.]+)"', a)[:3]]
    assert xs[1] - xs[0] == pytest.approx(xs[2] - xs[1], abs=0.2)
    assert svg._nice_ticks(1e3, 1e6, log=True) == [1e3, 1e4, 1e5, 1e6]
    assert svg._nice_ticks(1.5, 2.6, log=True) == [1.5, 2.0, 2.5]  # less than a decade
    assert svg._nice_ticks(0, 400, log=False) == [0, 100, 200, 300, 400]
    assert svg._tick_text(100000) == "100K" and svg._tick_text(2.5) == "2.5"


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d+\.\d+", text)


def test_loss_curve_figure_shows_the_numbers_the_snippet_printed():
    """The figure's builder repeats the snippet's run: its table must agree with the .out."""
    out = (REPO / "snippets/10-training/train_tiny.out").read_text(encoding="utf-8")
    fig = (REPO / "docs/figures/10-loss-curve.md").read_text(encoding="utf-8")
    printed = re.findall(r"step +(\d+) +loss: training text (\d+\.\d+) +held-out text (\d+\.\d+)", out)
    rows = re.findall(r"\| (\d+) \| [\d,]+ \| (\d+\.\d+) \| (\d+\.\d+) \|", fig)
    assert printed and len(printed) == len(rows)
    for (s1, t1, v1), (s2, t2, v2) in zip(printed, rows):
        assert s1 == s2 and t1 == f"{float(t2):.2f}" and v1 == f"{float(v2):.2f}"


def test_scaling_figure_shows_the_numbers_the_snippet_printed():
    out = (REPO / "snippets/12-scaling/toy_scaling.out").read_text(encoding="utf-8")
    fig = (REPO / "docs/figures/12-toy-scaling.md").read_text(encoding="utf-8")
    printed = re.findall(r"^ *([\d,]+) +[\d.]+ +(\d+\.\d+) +[\d.]+%$", out, re.M)
    rows = re.findall(r"\| ([\d,]+) \| [\d,]+ \| [\d.]+ \| [\d.e+]+ \| (\d+\.\d+) \|", fig)
    assert printed and len(printed) == len(rows)
    for (n1, l1), (n2, l2) in zip(printed, rows):
        assert n1 == n2 and l1 == f"{float(l2):.2f}"
