"""llmsite.prompting: the ticket set, label scoring (constrained decoding) and the interval helper."""

from __future__ import annotations

import pytest
import torch

from llmsite import prompting as P

torch.set_num_threads(min(2, torch.get_num_threads()))


# --------------------------------------------------------------------------- the ticket set


def test_ticket_set_is_well_formed():
    test, examples = P.load_tickets("test"), P.load_tickets("example")
    assert len(test) >= 50
    assert {t.label for t in test} == set(P.LABELS) == {t.label for t in examples}
    counts = {lab: sum(t.label == lab for t in test) for lab in P.LABELS}
    assert len(set(counts.values())) == 1, f"the labels should be balanced: {counts}"
    texts = [t.text.strip().lower() for t in test + examples]
    assert len(texts) == len(set(texts)), "a ticket appears twice (or in both splits)"
    assert all(t.text.strip() == t.text and len(t.text) > 10 for t in test + examples)
    assert [t.label for t in test[:5]] == list(P.LABELS), "labels are interleaved, not sorted"
    assert P.load_tickets("nonsense") == []


# --------------------------------------------------------------------------- scoring, on a stub


class CharTok:
    """A stand-in tokenizer: each label (with its space) is one token, 90..94; other text is one
    token per character."""

    pad_token_id = 0
    LABEL_IDS = {" " + lab: 90 + i for i, lab in enumerate(P.LABELS)}

    def __call__(self, text, add_special_tokens=False):
        ids = [self.LABEL_IDS[text]] if text in self.LABEL_IDS else [1 + ord(c) % 89 for c in text]
        return type("Enc", (), {"input_ids": ids})()

    def decode(self, ids):
        back = {v: k for k, v in self.LABEL_IDS.items()}
        return "".join(back.get(i, f"<{i}>") for i in ids)


class FixedLogits(torch.nn.Module):
    """A 'model' whose next-token scores are always the same: token 7 first, then the labels."""

    device = torch.device("cpu")

    def __init__(self, logits):
        super().__init__()
        self.fixed = logits

    def forward(self, ids, **kw):
        return type("Out", (), {"logits": self.fixed.expand(ids.shape[0], ids.shape[1], -1)})()


def test_constrained_decoding_picks_among_the_labels_only():
    logits = torch.full((97,), -10.0)
    logits[7] = 5.0  # the model's favourite is not a label at all
    logits[92], logits[94] = 1.0, 1.0 + torch.log(torch.tensor(3.0))  # refund 3x as likely as technical
    (s,) = P.score_labels(FixedLogits(logits), CharTok(), ["Ticket: x\nCategory:"])
    assert s.free == "<7>" and not P.free_is_right(s.free, "refund")
    assert s.pick == "refund" and set(s.probs) == set(P.LABELS)
    assert s.probs["refund"] == pytest.approx(0.75, abs=1e-3) and s.probs["technical"] == pytest.approx(0.25, abs=1e-3)
    assert sum(s.probs.values()) == pytest.approx(1.0)
    assert 0.06 < s.label_mass < 0.075  # 4e / (e^5 + 4e + ...): the favourite holds the rest


def test_shared_prefix_cache_and_padding_give_the_unbatched_answer(tiny):
    model, _ = tiny
    tok = CharTok()
    prompts = ["shared beginning, then ticket one", "shared beginning, then the second, longer ticket", "shared beginning!"]
    batched = P.score_labels(model, tok, prompts, batch_size=2)
    label_ids = list(CharTok.LABEL_IDS.values())
    for prompt, s in zip(prompts, batched):
        with torch.inference_mode():
            probs = model(torch.tensor([tok(prompt).input_ids])).logits[0, -1].softmax(-1)[label_ids]
        want = (probs / probs.sum()).tolist()
        assert [s.probs[lab] for lab in P.LABELS] == pytest.approx(want, abs=1e-5)
    assert P._common_prefix([tok(p).input_ids for p in prompts]) == len("shared beginning")


def test_calibration_removes_a_head_start():
    base = P.Scores({"billing": 0.8, "shipping": 0.05, "technical": 0.05, "account": 0.05, "refund": 0.05}, 1, "")
    same = P.calibrate(base, base)
    assert all(p == pytest.approx(0.2) for p in same.probs.values())
    s = P.Scores({"billing": 0.6, "shipping": 0.1, "technical": 0.1, "account": 0.1, "refund": 0.1}, 1, "")
    assert s.pick == "billing" and P.calibrate(s, base).pick in {"shipping", "technical", "account", "refund"}


def test_free_answer_counts_only_the_start_of_the_right_label():
    assert P.free_is_right(" Billing", "billing") and P.free_is_right(" Ref", "refund")
    assert not P.free_is_right(" The", "technical") and not P.free_is_right(" a", "account")
    assert not P.free_is_right(" billing", "refund")


# --------------------------------------------------------------------------- intervals


@pytest.mark.parametrize("k, n, lo, hi", [
    (0, 10, 0.0, 0.2775), (5, 10, 0.2366, 0.7634), (10, 10, 0.7225, 1.0), (16, 60, 0.1713, 0.3901),
])
def test_wilson_interval_on_known_values(k, n, lo, hi):
    assert P.wilson(k, n) == pytest.approx((lo, hi), abs=1e-4)


def test_wilson_rejects_impossible_counts():
    for k, n in [(1, 0), (-1, 5), (6, 5)]:
        with pytest.raises(ValueError):
            P.wilson(k, n)


def test_rate_line_is_what_the_figures_read():
    from llmsite.figures.prompting import rates

    line = P.rate_line("zero-shot, constrained", 16, 60)
    assert line == "zero-shot, constrained: 16/60 = 27% (95% CI 17%-39%)"
    assert rates("x\n" + line + "\n") == [{"name": "zero-shot, constrained", "k": 16, "n": 60, "rate": 27, "lo": 17, "hi": 39}]
    with pytest.raises(ValueError):
        rates("nothing here")


@pytest.mark.model
def test_the_real_labels_are_single_distinct_tokens():
    from llmsite.model import load_tokenizer

    tok = load_tokenizer()
    ids = P.label_token_ids(tok)
    assert len(set(ids)) == 5 and tok.decode(ids) == " billing shipping technical account refund"
    prompt = P.classify_prompt(tok, "My parcel is late.", examples=P.load_tickets("example")[:1])
    assert prompt.endswith("<|im_start|>assistant\nCategory:") and "Category: billing\n\nTicket: My parcel" in prompt
    with pytest.raises(ValueError):
        P.label_token_ids(tok, ("billing", "unsubscribing"))  # not one token
