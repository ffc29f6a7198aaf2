"""Chapter 1's figure: the next-token probabilities after "The capital of France is"."""

from __future__ import annotations

from llmsite.figures import svg
from llmsite.figures import Context, Figure, show_token


def build_next_token_capital(ctx: Context) -> Figure:
    from llmsite.predict import top_next_tokens

    prompt = "The capital of France is"
    cands, rest = top_next_tokens(ctx.model, ctx.tok, prompt, k=10)
    vocab = ctx.model.config.vocab_size
    rows = [(f'"{show_token(c.text)}"', c.prob, f"{c.prob:.1%}") for c in cands]
    rows.append((f"the other {vocab - len(cands):,}", rest, f"{rest:.1%}"))
    best = cands[0]
    title = f'Next-token probabilities after "{prompt}"'
    desc = (
        f"Bar chart. SmolLM2-135M-Instruct gives \"{show_token(best.text)}\" {best.prob:.1%}; "
        + "; ".join(f'"{show_token(c.text)}" {c.prob:.1%}' for c in cands[1:])
        + f"; all other {vocab - len(cands):,} tokens together {rest:.1%}."
    )
    return Figure(
        name="01-next-token-capital",
        svg=svg.horizontal_bars(rows, title=title, description=desc, fig_id="fig-01-next-token-capital",
                                muted_last=True),
        caption=(f'The ten most likely next tokens after "{prompt}" out of {vocab:,}, and all the '
                 f"others together (␣ marks a space). SmolLM2-135M-Instruct, float32, CPU."),
        table_header=["rank", "token", "id", "logit", "probability"],
        table_rows=[[str(i + 1), f'"{show_token(c.text)}"', str(c.token_id), f"{c.logit:.2f}", f"{c.prob:.4f}"]
                    for i, c in enumerate(cands)]
        + [["", f"the other {vocab - len(cands):,}", "", "", f"{rest:.4f}"]],
        inputs={"prompt": prompt, "top_k": 10},
    )
