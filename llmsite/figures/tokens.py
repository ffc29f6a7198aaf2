"""Chapter 2 (tokens): the figure of what the same sentences cost in different languages.

The sentences and the measurement are a lesson module, ``llmsite.languages``; the snippet
``snippets/02-tokens/languages.py`` prints the same rows this figure draws.
"""

from __future__ import annotations

from llmsite.figures import svg
from llmsite.languages import CODE_SAMPLE, SAMPLES, cost_rows


# llmsite.figures imports this module to list the builder, so Figure is imported lazily.
def build_chars_per_token(ctx):
    """The figure ``02-chars-per-token`` (ctx: ``llmsite.figures.Context``)."""
    from llmsite.figures import Figure
    from llmsite.tokenizer import load_model_tokenizer

    rows = cost_rows(load_model_tokenizer())  # the same ids as ctx.tok, without torch
    bars = [(label, chars / tokens, f"{chars / tokens:.2f}") for label, chars, tokens, _ in rows]
    desc = ("Bar chart of characters per token with SmolLM2's tokenizer, for three short sentences "
            "in each language and a Python function: "
            + "; ".join(f"{label} {text}" for label, _, text in bars) + ".")
    return Figure(
        name="02-chars-per-token",
        svg=svg.value_bars(bars, title="Characters per token, by language", description=desc,
                           fig_id="fig-02-chars-per-token", ticks=[0, 1, 2, 3, 4, 5],
                           muted=frozenset({len(bars) - 1})),
        caption=("Characters per token for the same three sentences in eight languages (our own "
                 "translations: a small sample), and a short Python function in grey. More "
                 "characters per token means cheaper text. SmolLM2-135M-Instruct's tokenizer."),
        table_header=["text", "characters", "tokens", "chars/token", "tokens vs English"],
        table_rows=[[label, str(chars), str(tokens), f"{chars / tokens:.2f}",
                     "" if rel is None else f"{rel:.2f}×"] for label, chars, tokens, rel in rows],
        inputs={"samples": SAMPLES, "code": CODE_SAMPLE},
    )
