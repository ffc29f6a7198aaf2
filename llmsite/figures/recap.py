"""Charts for chapter 15 (the recap): the notebook's own forward pass, drawn.

* ``15-next-token``       the final probabilities after "…because it" (our forward pass)
* ``15-stream-by-block``  the logit lens: the size (RMS) of " it" after each block, and what the
                          model would predict if it stopped there
"""

from __future__ import annotations

from llmsite.figures import svg
from llmsite.figures import Context, Figure, show_token
from llmsite.figures.scaling import CHART_W

# ----------------------------------------------------------------------------- chapter 15

PROMPT_15 = "The animal didn't cross the street because it"  # the notebook's prompt


def _notebook_pass(ctx: Context):
    import torch

    from llmsite.transformer import forward, from_hf

    W = from_hf(ctx.model)
    ids = ctx.tok(PROMPT_15).input_ids
    with torch.inference_mode():
        out = forward(torch.tensor([ids]), W, return_hidden=True)
    return W, ids, out


def build_next_token_15(ctx: Context) -> Figure:
    _, ids, out = _notebook_pass(ctx)
    probs = out.logits[0, -1].softmax(dim=-1)
    top = probs.topk(5)
    rows = [(show_token(ctx.tok.decode([int(i)])), float(p), f"{float(p):.1%}") for p, i in zip(top.values, top.indices)]
    rest = 1 - sum(p for _, p, _ in rows)
    rows.append((f"the other {len(probs) - 5:,}", rest, f"{rest:.1%}"))
    desc = (f"Bar chart of the model's probabilities for the token after \"{PROMPT_15}\": "
            + "; ".join(f"{t}: {s}" for t, _, s in rows) + ".")
    return Figure(
        name="15-next-token",
        svg=svg.horizontal_bars(rows, title="What comes after \"…because it\"", description=desc,
                                fig_id="fig-15-next-token", muted_last=True, width=CHART_W
                                ).replace(' width="100%"', f' width="{CHART_W}"', 1),
        caption=(f"The end of the journey: after \"{PROMPT_15}\" the model puts about half its bet on "
                 "\"␣was\", and spreads the rest over tens of thousands of tokens (grey). Computed by our "
                 "from-scratch forward pass, as in the notebook's step 5."),
        table_header=["next token", "probability"],
        table_rows=[[t, s] for t, _, s in rows],
        inputs={"prompt": PROMPT_15},
    )


def build_stream_by_block(ctx: Context) -> Figure:
    from llmsite.transformer import unembed

    W, ids, out = _notebook_pass(ctx)
    blocks = [0, 5, 10, 15, 20, 25, 30]
    pts, labels, table = [], [], []
    for i in blocks:
        h = out.hidden[i, 0, -1]
        size = float(h.pow(2).mean().sqrt())
        guess = show_token(ctx.tok.decode([int(unembed(h, W).argmax())]))
        pts.append((i, size))
        labels.append({",": "comma"}.get(guess, guess))
        table.append(["0 (the embedding)" if i == 0 else str(i), f"{size:.2f}", f'"{guess}"'])
    desc = ("Line chart of the size (root mean square) of the last token's vector, \" it\", by the number of "
            "blocks passed (0 is the embedding, before any block): "
            + ", ".join(f"{i}: {s:.1f}, predicting {g}" for (i, s), g in zip(pts, labels)) + ".")
    chart = svg.series_chart([("size of \"␣it\" (RMS)", pts)], title="The stream grows, the guess changes",
                             description=desc, fig_id="fig-15-stream-by-block", x_label="blocks passed",
                             y_label="size (RMS)", markers=True, x_range=(-1, 34),
                             y_range=(0, max(s for _, s in pts) * 1.25), point_labels=[labels],
                             width=CHART_W, height=290)
    return Figure(
        name="15-stream-by-block",
        svg=chart.replace(' width="100%"', f' width="{CHART_W}"', 1),
        caption=("The vector of \"␣it\" after 0 (the embedding), 5, … 30 blocks, numbered 1 to 30 as in every chapter: its size (root mean square, as in chapter 6) "
                 "and, beside each dot, the token the model would predict if it stopped there (the logit "
                 "lens). A comma for most of the way, then 's, and ␣was only at the end. Computed by "
                 "our forward pass, as in the notebook's step 4."),
        table_header=["blocks passed", "size (RMS)", "prediction if it stopped here"],
        table_rows=table,
        inputs={"prompt": PROMPT_15, "blocks": blocks},
    )
