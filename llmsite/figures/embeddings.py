"""Figures for chapter 3 (embeddings): how RoPE's rotation changes a dot product with distance."""

from __future__ import annotations

from llmsite.figures import svg

# llmsite.figures imports this module to list the builder, so we import it lazily.


def rope_similarity(distances: list[int], head_dim: int = 64, theta: float = 100_000.0) -> list[float]:
    """Dot product of a vector of ones rotated to position d with itself at position 0,
    divided by its length squared (1.0 at distance 0); RoPE as in ``llmsite.transformer``."""
    import torch

    from llmsite.transformer import apply_rope, rope_cos_sin

    pos = torch.tensor([0] + list(distances))
    cos, sin = rope_cos_sin(pos, head_dim, theta)
    x = torch.ones(1, 1, len(pos), head_dim, dtype=torch.float64)
    r = apply_rope(x, cos.double(), sin.double())[0, 0]
    return [float(r[i + 1] @ r[0]) / head_dim for i in range(len(distances))]


def build_rope_similarity(ctx) -> "Figure":
    from llmsite.figures import Figure

    theta = float(ctx.model.config.rope_theta if hasattr(ctx.model.config, "rope_theta")
                  else ctx.model.config.rope_parameters["rope_theta"])
    head_dim = ctx.model.config.hidden_size // ctx.model.config.num_attention_heads
    distances = list(range(0, 513, 2))
    sims = rope_similarity(distances, head_dim, theta)
    picks = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
    pick_sims = rope_similarity(picks, head_dim, theta)
    desc = ("Line chart. The similarity starts at 1 at distance 0 and falls quickly, then more slowly, "
            "with small wiggles: " + "; ".join(f"distance {d}: {s:.2f}" for d, s in zip(picks, pick_sims)) + ".")
    return Figure(
        name="03-rope-similarity",
        svg=svg.series_chart([("similarity", list(zip(distances, sims)))],
                             title="RoPE: the same vector as query and key, at growing distance",
                             description=desc, fig_id="fig-03-rope-similarity",
                             x_range=(0, 512), y_range=(0, 1.0),
                             x_label="distance between the two tokens (positions)",
                             y_label="similarity (1 = same position)"),
        caption=(f"A vector of 64 ones, rotated by RoPE as SmolLM2 does it (32 pairs, theta = {theta:,.0f}), "
                 "compared with itself at position 0. Nearby positions look alike; far ones less so. "
                 "Real queries and keys are not all ones, and the model learns which pairs to use."),
        table_header=["distance", "similarity"],
        table_rows=[[str(d), f"{s:.3f}"] for d, s in zip(picks, pick_sims)],
        inputs={"vector": "ones(64)", "theta": theta, "distances": "0..512 step 2"},
    )
