"""The data files of the explorers (attention, logit lens, embedding map): compact, exact to
their quantisation step, and equal to what llmsite.transformer computes. The stale check with
the model is tests/test_figures.py::test_figures_are_not_stale (it covers the data files too)."""

from __future__ import annotations

import base64
import gzip
import math
import json

import pytest
import torch

from llmsite import figures
from llmsite.figures.attention_explorer import DATA, SCALE, pack, quantise_rows, unpack

MAX_GZ = 2_000_000  # bytes of data per page, gzipped (issue 11)


def load(rel):
    return json.loads((figures.REPO / rel).read_text(encoding="utf-8"))


def test_quantise_rows_keeps_sums_zeros_and_step():
    torch.manual_seed(0)
    w = torch.softmax(torch.randn(50, 40) * 4, dim=-1)
    w[:, 30:] = 0
    w = w / w.sum(-1, keepdim=True)
    q = quantise_rows(w)
    assert (q.long().sum(-1) == SCALE).all()
    assert ((q.double() / SCALE - w.double()).abs() < 1 / SCALE).all()
    assert (q[:, 30:] == 0).all()
    # many tiny weights: plain rounding would lose mass, largest remainder does not
    tiny = torch.full((1, 200), 0.5 / 200)
    tiny[0, 0] = 0.5
    assert int(quantise_rows(tiny).long().sum()) == SCALE


def test_pack_round_trips_the_triangle():
    torch.manual_seed(1)
    T = 7
    m = torch.softmax(torch.randn(2, 3, T, T).masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), -1e9), -1)
    raw = pack(m)
    assert len(raw) == 2 * 3 * T * (T + 1) // 2
    u = unpack(raw, 2, 3, T)
    assert (u.double() / SCALE - m.double()).abs().max() < 1 / SCALE
    assert (torch.triu(u, 1) == 0).all()


def test_attention_data_is_compact_and_every_row_sums_to_one():
    raw = (figures.REPO / DATA).read_bytes()
    assert len(gzip.compress(raw, 9)) <= MAX_GZ
    data = json.loads(raw)
    L, H = data["layers"], data["heads"]
    assert (L, H) == (30, 9)
    assert {f["role"] for f in data["found"]} >= {"prev", "self", "induction", "sink"}
    for s in data["sentences"]:
        T = len(s["tokens"])
        u = unpack(base64.b64decode(s["weights"]), L, H, T).double() / SCALE
        assert ((u.sum(-1) - 1).abs() <= 0.01).all(), s["id"]
        assert (torch.triu(u, 1) == 0).all(), s["id"]  # the future: zero


@pytest.mark.model
def test_attention_data_equals_llmsite_transformer_within_one_step():
    from llmsite.figures.attention_explorer import sentence_ids
    from llmsite.model import load as load_model
    from llmsite.transformer import attention_maps, from_hf

    model, tok = load_model(device="cpu", dtype="float32")
    W = from_hf(model)
    data = load(DATA)
    for s in data["sentences"]:
        ids = sentence_ids(tok, s["id"])
        assert ids == s["ids"] and [tok.decode([i]) for i in ids] == s["tokens"]
        with torch.no_grad():
            maps = attention_maps(torch.tensor(ids), W).double()
        T = len(ids)
        assert (torch.triu(maps, 1) == 0).all()  # the model's masked cells are exactly zero
        u = unpack(base64.b64decode(s["weights"]), data["layers"], data["heads"], T).double() / SCALE
        assert (u - maps).abs().max() < 1 / SCALE, s["id"]


# --------------------------------------------------------------------------- logit lens (chapter 6)


def test_logit_lens_data_is_compact_and_sane():
    from llmsite.figures.logit_lens import DATA as LENS, TOP

    raw = (figures.REPO / LENS).read_bytes()
    assert len(gzip.compress(raw, 9)) <= MAX_GZ
    d = json.loads(raw)
    for p in d["prompts"]:
        assert len(p["lens"]) == d["layers"] + 1  # the embedding, then after each block
        for row in p["lens"]:
            assert len(row) == len(p["tokens"])
            for cell in row:
                probs = [q for _, q in cell]
                # each p is rounded to 3 decimals, so the top-k can add up to a little over 1; fsum: the same
                # total on every Python (3.12's sum() compensates, 3.11's does not)
                assert len(cell) == TOP and probs == sorted(probs, reverse=True)
                assert math.fsum(probs) <= 1 + TOP * 0.0005 + 1e-12


@pytest.mark.model
def test_logit_lens_data_equals_llmsite_transformer():
    from llmsite.figures.logit_lens import DATA as LENS
    from llmsite.model import load as load_model
    from llmsite.transformer import from_hf, logit_lens

    model, tok = load_model(device="cpu", dtype="float32")
    W = from_hf(model)
    d = load(LENS)
    for p in d["prompts"]:
        assert tok(p["text"]).input_ids == p["ids"]
        with torch.no_grad():
            lens = logit_lens(torch.tensor(p["ids"]), W, top=d["top"])
        ids = [[[d["vocab_ids"][i] for i, _ in cell] for cell in row] for row in p["lens"]]
        probs = torch.tensor([[[q for _, q in cell] for cell in row] for row in p["lens"]], dtype=torch.float64)
        assert ids == lens.ids.tolist()
        assert (probs - lens.probs.double()).abs().max() <= 0.0005 + 1e-7
    final = d["prompts"][0]["lens"][-1][-1][0]
    assert d["vocab"][final[0]] == " Paris"  # chapter 1's answer, at the last layer and position


# --------------------------------------------------------------------------- embedding map (chapter 3)


def test_pca2_is_deterministic_and_sign_fixed():
    from llmsite.figures.embedding_map import pca2

    torch.manual_seed(2)
    x = torch.randn(30, 8, dtype=torch.float64) * torch.tensor([5, 3, 1, 1, 1, 1, 1, 1.0])
    a, sa = pca2(x)
    b, sb = pca2(-x)  # the same cloud mirrored: the fixed signs give the mirrored coordinates
    assert torch.allclose(a, -b) and torch.allclose(sa, sb)
    assert 0 < sa[1] <= sa[0] < 1


def test_map_labels_cover_neither_each_other_nor_other_points():
    """The committed map: every word is readable, none hides under another (at 390 px the
    whole map is what a reader has; the table is folded away)."""
    import re

    from llmsite import figures
    from llmsite.figures.embedding_map import _label_box, _overlaps, label_area
    from llmsite.figures.svg import CHAR_W

    frag = (figures.FIG_DIR / "03-embedding-map.md").read_text(encoding="utf-8")
    W, H = (float(v) for v in re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', frag).groups())
    pts = re.findall(r'<g class="em-pt" data-k="\d+" data-x="([\d.]+)" data-y="([\d.]+)">.*?'
                     r'<text x="([\d.]+)" y="([\d.]+)"(?: text-anchor="(\w+)")?[^>]*>([^<]+)</text>', frag, re.S)
    assert len(pts) == 41
    boxes = [_label_box(float(lx), float(ly), a or "start", CHAR_W * 0.85 * len(t)) for _, _, lx, ly, a, t in pts]
    marks = [(float(x) - 6, float(y) - 6, float(x) + 6, float(y) + 6) for x, y, *_ in pts]
    area = label_area(W, H, 30)
    for i, b in enumerate(boxes):
        assert area[0] <= b[0] and b[2] <= area[2] and area[1] <= b[1] and b[3] <= area[3], pts[i][-1]
        for j in range(len(boxes)):
            if j != i:
                assert not _overlaps(b, boxes[j]), (pts[i][-1], pts[j][-1])
                assert not _overlaps(b, marks[j]), (pts[i][-1], "covers the point of", pts[j][-1])


def test_label_placement_spreads_a_pile_of_points():
    from llmsite.figures.embedding_map import _label_box, _overlaps, place_labels
    from llmsite.figures.svg import CHAR_W

    words = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    xy = [(200 + i * 0.5, 200 - i * 0.3) for i in range(7)]  # nearly one spot, like the days on the map
    places = place_labels(xy, words, area=(0, 0, 480, 500))
    boxes = [_label_box(x, y, a, CHAR_W * 0.85 * len(w)) for (x, y, a, _), w in zip(places, words)]
    assert not any(_overlaps(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert sum(leader for *_, leader in places) >= 4  # most had to move away, and point back
    assert places == place_labels(xy, words, area=(0, 0, 480, 500))  # deterministic


@pytest.mark.model
def test_embedding_map_equals_the_model_embeddings():
    from llmsite.figures.embedding_map import DATA as MAP, GROUPS, pca2
    from llmsite.model import load as load_model

    model, tok = load_model(device="cpu", dtype="float32")
    d = load(MAP)
    assert [p["token"] for p in d["points"]] == [w for _, _, ws in GROUPS for w in ws]
    table = torch.nn.functional.normalize(model.get_input_embeddings().weight.detach().double(), dim=-1)
    ids = [tok(p["token"]).input_ids for p in d["points"]]
    assert all(len(i) == 1 for i in ids)
    xy, share = pca2(table[[i[0] for i in ids]])
    got = torch.tensor([[p["x"], p["y"]] for p in d["points"]], dtype=torch.float64)
    assert (got - xy).abs().max() <= 5e-5 + 1e-9
    assert d["explained"] == [round(float(v), 4) for v in share]
    assert sum(d["explained"]) < 0.5  # the caption's point: two axes keep little of the variance
    king = next(p for p in d["points"] if p["token"] == " king")
    assert king["neighbours"][:4] == [[" King", 0.815], ["King", 0.716], [" kings", 0.704], [" queen", 0.619]]


# --------------------------------------------------------------------------- what the pages tell readers to try


def _w(d, sid, layer, head, q, k):
    s = next(x for x in d["sentences"] if x["id"] == sid)
    T = len(s["tokens"])
    u = unpack(base64.b64decode(s["weights"]), d["layers"], d["heads"], T)
    return round(int(u[layer, head, s["tokens"].index(q), s["tokens"].index(k)]) / SCALE, 2)


def test_the_numbers_the_pages_quote_are_in_the_data():
    from llmsite.figures.embedding_map import DATA as MAP
    from llmsite.figures.logit_lens import DATA as LENS

    d = load(DATA)  # docs/04-self-attention.md, "Explore it yourself"
    assert _w(d, "tired", 13, 8, " it", " animal") == 0.75
    assert _w(d, "wide-first", 13, 8, " it", " street") == 0.28 and _w(d, "wide-first", 13, 8, " it", " animal") == 0.14
    assert _w(d, "wide-first", 9, 4, " it", " animal") == 0.56
    assert _w(d, "bank-grass", 9, 2, " bank", " river") == 0.62
    ind = next(f for f in d["found"] if f["role"] == "induction")  # docs/05: block 19, head 7 (indices 18, 6)
    assert (ind["layer"], ind["head"]) == (18, 6)
    lens = load(LENS)  # docs/06: " Paris" only in the top rows; one block earlier for the Eiffel Tower
    top = lambda p, layer: lens["vocab"][p["lens"][layer][-1][0][0]]
    capital, eiffel = lens["prompts"][0], lens["prompts"][1]
    assert [top(capital, layer) for layer in range(31)].index(" Paris") == 30
    assert [top(eiffel, layer) for layer in range(31)].index(" Paris") == 29
    m = load(MAP)  # docs/03: Monday's neighbours are days; Paris links to France and Berlin; about a third
    pts = {p["token"]: p for p in m["points"]}
    assert {t for t, _ in pts[" Monday"]["neighbours"]} <= {p["token"] for p in m["points"] if p["group"] == "day"}
    assert {" France", " Berlin"} <= {t for t, _ in pts[" Paris"]["neighbours"]}
    assert 0.3 <= sum(m["explained"]) <= 0.4
