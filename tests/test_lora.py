"""LoRA from scratch (llmsite.lora, chapter 18).

Model-free tests run the adapter on the tiny random Llama of ``conftest.tiny``; tests marked
``model`` use the real SmolLM2-135M-Instruct and a few tickets (seconds, not the chapter's run).
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
import torch

from llmsite import lora
from llmsite import transformer as tf

REPO = Path(__file__).resolve().parent.parent
PAGE = REPO / "docs" / "18-lora.md"
SNIPPETS = REPO / "snippets" / "18-lora"


def _ids(n=7, vocab=97, seed=0):
    return torch.randint(0, vocab, (1, n), generator=torch.Generator().manual_seed(seed))


def _randomise_b(adapter, std=0.05, seed=1):
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in adapter.loras.values():
            m.B.copy_(torch.randn(m.B.shape, generator=gen) * std)


# --------------------------------------------------------------------------- the adapter, no model


def test_a_fresh_adapter_changes_nothing_and_trains_only_a_and_b(tiny):
    _, W = tiny
    adapter = lora.Adapter(W, layers=[1], targets=("q", "v"), r=2, alpha=4)
    ids = _ids()
    assert torch.equal(tf.forward(ids, adapter.weights()), tf.forward(ids, W))  # B = 0: exactly the original
    q, v = W.layers[1].q, W.layers[1].v
    assert adapter.n_trainable() == 2 * (q.shape[0] + q.shape[1]) + 2 * (v.shape[0] + v.shape[1])
    names = sorted(n for n, _ in adapter.named_parameters())
    assert names == ["loras.1_q.A", "loras.1_q.B", "loras.1_v.A", "loras.1_v.B"]
    assert adapter.loras["1_q"].scale == 2.0
    assert torch.count_nonzero(adapter.loras["1_q"].B) == 0 and torch.count_nonzero(adapter.loras["1_q"].A) > 0


def test_merged_weights_give_the_adapters_scores_and_the_originals_shapes(tiny):
    _, W = tiny
    adapter = lora.Adapter(W, layers=[0, 1], targets=("q", "v"), r=2, alpha=4)
    _randomise_b(adapter)
    before = W.layers[0].q.clone()
    ids = _ids(9)
    beside, merged, original = (tf.forward(ids, w) for w in (adapter.weights(), adapter.merged(), W))
    assert (beside - original).abs().max() > 1e-3  # the adapter does change the scores...
    assert torch.allclose(merged, beside, atol=1e-5, rtol=0)  # ...and merging keeps them
    Wm = adapter.merged()
    for layer in range(W.n_layers):
        for f in dataclasses.fields(tf.LayerWeights):
            t = getattr(Wm.layers[layer], f.name)
            assert type(t) is torch.Tensor and t.shape == getattr(W.layers[layer], f.name).shape
    assert Wm.layers[0].k is W.layers[0].k  # untouched weights are shared, not copied
    assert torch.equal(W.layers[0].q, before) and not torch.equal(Wm.layers[0].q, before)  # base left alone


def test_gradients_reach_b_first_and_never_the_frozen_weights(tiny):
    _, W = tiny
    adapter = lora.Adapter(W, layers=[1], targets=("q", "v"), r=2, alpha=4)
    with torch.enable_grad():
        logits = tf.forward(_ids(), adapter.weights())
        torch.nn.functional.cross_entropy(logits[0], _ids(seed=1)[0]).backward()
    m = adapter.loras["1_q"]
    assert m.B.grad.abs().sum() > 0
    assert m.A.grad.abs().sum() == 0  # A's gradient goes through B, which is zero at the start
    assert not W.layers[1].q.requires_grad and W.layers[1].q.grad is None


def test_both_zero_would_never_learn(tiny):
    _, W = tiny
    adapter = lora.Adapter(W, layers=[1], targets=("q",), r=2, alpha=4)
    with torch.no_grad():
        adapter.loras["1_q"].A.zero_()
    with torch.enable_grad():
        logits = tf.forward(_ids(), adapter.weights())
        torch.nn.functional.cross_entropy(logits[0], _ids(seed=1)[0]).backward()
    assert adapter.loras["1_q"].A.grad.abs().sum() == 0 and adapter.loras["1_q"].B.grad.abs().sum() == 0


def test_the_memory_formula_matches_the_tensors_after_an_adamw_step(tiny):
    _, W = tiny
    adapter = lora.Adapter(W, layers=[0, 1], targets=("q", "v"), r=2, alpha=4)
    opt = torch.optim.AdamW(adapter.parameters(), lr=1e-3)
    with torch.enable_grad():
        tf.forward(_ids(), adapter.weights()).sum().backward()
    opt.step()
    assert lora.state_bytes(list(adapter.parameters()), opt) == lora.training_bytes(adapter.n_trainable())
    assert lora.training_bytes(10, 100) == (40 + 100) * 4


# --------------------------------------------------------------------------- the data


def test_the_training_tickets_are_pinned_balanced_and_not_the_test_tickets(tmp_path):
    train = lora.load_train_tickets()
    assert len(train) == 60 and len({t.text for t in train}) == 60
    from llmsite.prompting import LABELS, load_tickets

    assert {lab: sum(t.label == lab for t in train) for lab in LABELS} == {lab: 12 for lab in LABELS}
    assert not {t.text for t in train} & {t.text for t in load_tickets("test")}
    bad = tmp_path / "tickets-train.jsonl"
    rows = lora.TRAIN_TICKETS.read_text(encoding="utf-8").splitlines()
    rows[0] = json.dumps({"text": "edited", "label": "billing"})
    bad.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not the pinned file"):
        lora.load_train_tickets(bad)


def test_every_lora_claim_names_its_source():
    from llmsite.published import LORA_CLAIMS

    assert LORA_CLAIMS
    for claim in LORA_CLAIMS:
        assert claim.source.url.startswith("https://arxiv.org/abs/2106.09685")
        assert re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", claim.source.date)
    page = " ".join(PAGE.read_text(encoding="utf-8").split())
    assert "arxiv.org/abs/2106.09685" in page
    quoted = {"10,000 times": "10,000 times fewer", "3 times less": "3 times less"}  # page -> published.py
    claims = " ".join(c.what for c in LORA_CLAIMS)
    for on_page, in_source in quoted.items():
        assert on_page in page and in_source in claims, f"{on_page!r}: quote it from llmsite/published.py"


# --------------------------------------------------------------------------- the page's numbers


def test_the_page_quotes_the_recorded_numbers():
    page = PAGE.read_text(encoding="utf-8")
    adapter_out = (SNIPPETS / "adapter.out").read_text(encoding="utf-8")
    n = re.search(r"trainable: ([\d,]+) of 134,515,008 numbers = ([\d.]+%)", adapter_out)
    assert n, adapter_out
    assert n[1] in page and n[2] in page
    train_out = (SNIPPETS / "train_adapter.out").read_text(encoding="utf-8")
    flat = " ".join(page.split())
    after = re.findall(r"^held-out, after: .*?: (\d+)/(\d+) = (\d+%)", train_out, re.M)
    assert len(after) == 2, train_out
    for k, n, rate in after:
        assert f"{k} of {n}" in flat and rate in flat, f"the page does not quote {k}/{n} = {rate}"
    prompting_out = (REPO / "snippets" / "14b-prompting" / "zero_vs_few.out").read_text(encoding="utf-8")
    for name in ("zero-shot, constrained", "few-shot, calibrated"):  # the chapter 14b rates the page compares with
        rate = re.search(rf"^{name}: \d+/\d+ = (\d+%)", prompting_out, re.M)[1]
        assert rate in page, f"the page does not quote chapter 14b's {name} rate {rate}"
    assert "{{" not in page, "a placeholder is left in the page"


# --------------------------------------------------------------------------- the real model


@pytest.fixture(scope="module")
def task():
    from llmsite.model import load

    model, tok = load(device="cpu", dtype=torch.float32)
    full = lora.load_task(model, tok)
    return dataclasses.replace(full, train=full.train[:5], test=full.test[:4])


@pytest.mark.model
def test_held_out_reads_the_same_first_token_as_the_generation_loop(task):
    from llmsite.generate import generate

    adapter = lora.Adapter(task.W, layers=range(26, 30), r=8, alpha=16)
    _randomise_b(adapter, std=0.05)
    for W in (task.W, adapter.merged()):
        result = lora.held_out(task, W)
        assert result.n == 4
        for t, first in zip(task.test, result.first_tokens):
            assert generate(lora.prompt_ids(task.tok, t.text), W, max_new_tokens=1).tokens[0] == first
    with pytest.raises(ValueError, match="below block"):
        lora.held_out(task, lora.Adapter(task.W, layers=[3]).merged())


@pytest.mark.model
def test_training_is_deterministic_and_lowers_the_loss(task):
    runs = [lora.train_adapter(task, steps=4, batch_size=5, layers=range(28, 30)) for _ in range(2)]
    losses = [[s.loss for s in r.history] for r in runs]
    assert losses[0] == losses[1]
    assert losses[0][-1] < losses[0][0]
    a, b = (r.adapter.loras["29_v"].B for r in runs)
    assert torch.equal(a, b) and a.abs().sum() > 0
