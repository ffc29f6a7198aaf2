"""Figures for chapters 7 (next-token prediction) and 8 (sampling)."""

from __future__ import annotations

from llmsite.figures import svg
from llmsite.figures import Figure, show_token

OPPOSITE_PROMPT = "The opposite of hot is"
TEMPERATURE_PROMPT = "My favourite food is"
TEMPERATURES = (0.5, 1.0, 1.5)


def build_next_token_opposite(ctx) -> Figure:
    """Chapter 7: the top tokens after a prompt with a fairly clear answer."""
    from llmsite.predict import top_next_tokens

    cands, rest = top_next_tokens(ctx.model, ctx.tok, OPPOSITE_PROMPT, k=8)
    vocab = ctx.model.config.vocab_size
    rows = [(f'"{show_token(c.text)}"', c.prob, f"{c.prob:.1%}") for c in cands]
    rows.append((f"the other {vocab - len(cands):,}", rest, f"{rest:.1%}"))
    desc = ("Bar chart. " + "; ".join(f'"{show_token(c.text)}" {c.prob:.1%}' for c in cands)
            + f"; all other {vocab - len(cands):,} tokens together {rest:.1%}.")
    return Figure(
        name="07-next-token-opposite",
        svg=svg.horizontal_bars(rows, title=f'Next-token probabilities after "{OPPOSITE_PROMPT}"',
                                description=desc, fig_id="fig-07-next-token-opposite", muted_last=True),
        caption=(f'The eight most likely next tokens after "{OPPOSITE_PROMPT}", and the other {vocab - 8:,} '
                 "together (␣ marks a space). SmolLM2-135M-Instruct, float32, CPU."),
        table_header=["rank", "token", "id", "logit", "probability"],
        table_rows=[[str(i + 1), f'"{show_token(c.text)}"', str(c.token_id), f"{c.logit:.2f}", f"{c.prob:.4f}"]
                    for i, c in enumerate(cands)] + [["", f"the other {vocab - len(cands):,}", "", "", f"{rest:.4f}"]],
        inputs={"prompt": OPPOSITE_PROMPT, "top_k": 8},
    )


def build_temperature(ctx) -> Figure:
    """Chapter 8: the same distribution at three temperatures (the top tokens at T = 1)."""
    from llmsite.predict import next_token_probs
    from llmsite.sampling import filtered_probs

    logits, _ = next_token_probs(ctx.model, ctx.tok, TEMPERATURE_PROMPT)
    dists = [filtered_probs(logits, temperature=t) for t in TEMPERATURES]
    top = dists[1].topk(8).indices.tolist()
    labels = [f'"{show_token(ctx.tok.decode([i]))}"' for i in top]
    series = [(f"T = {t:g}", [float(d[i]) for i in top]) for t, d in zip(TEMPERATURES, dists)]
    desc = "Grouped bar chart. " + "; ".join(
        f"{lab}: " + ", ".join(f"{name} {vals[j]:.1%}" for name, vals in series) for j, lab in enumerate(labels)
    ) + "."
    return Figure(
        name="08-temperature",
        svg=svg.grouped_bars(labels, series, title=f'"{TEMPERATURE_PROMPT}" at three temperatures',
                             description=desc, fig_id="fig-08-temperature"),
        caption=(f'The eight most likely next tokens after "{TEMPERATURE_PROMPT}" at temperature 1, with their '
                 "probabilities at T = 0.5, 1 and 1.5 (␣ marks a space). Low temperature feeds the favourite; "
                 "high temperature spreads the probability out."),
        table_header=["token", "id"] + [f"T = {t:g}" for t in TEMPERATURES],
        table_rows=[[lab, str(i)] + [f"{float(d[i]):.4f}" for d in dists] for lab, i in zip(labels, top)]
        + [["all 8 together", ""] + [f"{float(d[top].sum()):.4f}" for d in dists]],
        inputs={"prompt": TEMPERATURE_PROMPT, "temperatures": list(TEMPERATURES), "top": 8},
    )
